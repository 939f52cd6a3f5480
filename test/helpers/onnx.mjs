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

/** ONNX TensorProto.DataType values used here. */
export const FLOAT = 1;
export const INT64 = 7;

function valueInfo(name, dims, elemType = FLOAT) {
  // TensorShapeProto.dim { dim_value } or, for a string, { dim_param }
  const shape = dims.flatMap((d) => bytesField(1, typeof d === 'string' ? bytesField(2, str(d)) : intField(1, d)));
  const tensorType = [...intField(1, elemType), ...bytesField(2, shape)]; // elem_type, shape
  const type = bytesField(1, tensorType); // TypeProto.tensor_type
  return [...bytesField(1, str(name)), ...bytesField(2, type)];
}

/** AttributeProto: an int (type INT) or a list of ints (type INTS). */
function attribute(name, value) {
  if (Array.isArray(value)) return [...bytesField(1, str(name)), ...value.flatMap((v) => intField(8, v)), ...intField(20, 7)];
  return [...bytesField(1, str(name)), ...intField(3, value), ...intField(20, 2)];
}

/** TensorProto initializer with raw little-endian data: float32 (FLOAT) or int64 (INT64) values. */
function initializer(name, dims, elemType, values) {
  const raw = Buffer.alloc(values.length * (elemType === INT64 ? 8 : 4));
  values.forEach((v, i) => (elemType === INT64 ? raw.writeBigInt64LE(BigInt(v), 8 * i) : raw.writeFloatLE(v, 4 * i)));
  return [...dims.flatMap((d) => intField(1, d)), ...intField(2, elemType), ...bytesField(8, str(name)), ...bytesField(9, [...raw])];
}

/**
 * A model of several nodes: nodes [{ op, inputs: [names], outputs: [names], attributes: { name: int | int[] } }],
 * initializers [{ name, dims, type, values }], inputs / outputs [{ name, dims, type }] (type FLOAT by default),
 * metadata_props as an object. ONNX IR 8, opset 17.
 */
export function graphModel({ nodes, initializers = [], inputs, outputs, metadata = {} }) {
  const nodeProtos = nodes.flatMap(({ op, inputs: ins, outputs: outs, attributes = {} }) =>
    bytesField(1, [
      ...ins.flatMap((n) => bytesField(1, str(n))),
      ...outs.flatMap((n) => bytesField(2, str(n))),
      ...bytesField(4, str(op)),
      ...Object.entries(attributes).flatMap(([k, v]) => bytesField(5, attribute(k, v))),
    ]),
  );
  const graph = [
    ...nodeProtos,
    ...bytesField(2, str('g')),
    ...initializers.flatMap(({ name, dims, type = FLOAT, values }) => bytesField(5, initializer(name, dims, type, values))),
    ...inputs.flatMap(({ name, dims, type }) => bytesField(11, valueInfo(name, dims, type))),
    ...outputs.flatMap(({ name, dims, type }) => bytesField(12, valueInfo(name, dims, type))),
  ];
  const opset = [...bytesField(1, str('')), ...intField(2, 17)];
  const props = Object.entries(metadata).flatMap(([k, v]) => bytesField(14, [...bytesField(1, str(k)), ...bytesField(2, str(v))]));
  return Buffer.from([...intField(1, 8), ...bytesField(7, graph), ...bytesField(8, opset), ...props]);
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
