// Hand-encodes tiny ONNX models (protobuf) so tests can feed the loader a valid ONNX file that is not a YOLO export.
function varint(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
const field = (num, wire) => varint((num << 3) | wire);
const bytesField = (num, payload) => [...field(num, 2), ...varint(payload.length), ...payload];
const intField = (num, v) => [...field(num, 0), ...varint(v)];
const str = (s) => [...Buffer.from(s, 'utf8')];

function valueInfo(name, dims) {
  const shape = dims.flatMap((d) => bytesField(1, intField(1, d))); // TensorShapeProto.dim { dim_value }
  const tensorType = [...intField(1, 1), ...bytesField(2, shape)]; // elem_type FLOAT, shape
  const type = bytesField(1, tensorType); // TypeProto.tensor_type
  return [...bytesField(1, str(name)), ...bytesField(2, type)];
}

/**
 * A one-node model y = op(x) (ONNX IR 8, opset 17, no attributes) with the given input and output dims and
 * metadata_props (e.g. Ultralytics' task / names).
 */
export function singleOpModel(op, inputDims, outputDims, metadata = {}) {
  const node = [...bytesField(1, str('x')), ...bytesField(2, str('y')), ...bytesField(4, str(op))];
  const graph = [...bytesField(1, node), ...bytesField(2, str('g')), ...bytesField(11, valueInfo('x', inputDims)), ...bytesField(12, valueInfo('y', outputDims))];
  const opset = [...bytesField(1, str('')), ...intField(2, 17)];
  const props = Object.entries(metadata).flatMap(([k, v]) => bytesField(14, [...bytesField(1, str(k)), ...bytesField(2, str(v))]));
  return Buffer.from([...intField(1, 8), ...bytesField(7, graph), ...bytesField(8, opset), ...props]);
}

/** An Identity model y = x with the given input dims. */
export function identityModel(dims) {
  return singleOpModel('Identity', dims, dims);
}
