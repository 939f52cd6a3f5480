// Hand-encodes tiny ONNX models (protobuf) so tests can feed the loader a valid ONNX file that is not a YOLO export,
// one whose outputs are fixed tensors (a head layout with known values), or a real export with edited metadata.
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

/** dims: numbers (dim_value) or strings (dim_param, a symbolic dim). */
function valueInfo(name, dims, elemType = FLOAT) {
  const shape = dims.flatMap((d) => bytesField(1, typeof d === 'string' ? bytesField(2, str(d)) : intField(1, d))); // TensorShapeProto.dim
  const tensorType = [...intField(1, elemType), ...bytesField(2, shape)]; // elem_type, shape
  const type = bytesField(1, tensorType); // TypeProto.tensor_type
  return [...bytesField(1, str(name)), ...bytesField(2, type)];
}

const metadataProps = (metadata) => Object.entries(metadata).flatMap(([k, v]) => bytesField(14, [...bytesField(1, str(k)), ...bytesField(2, str(v))]));

function model(graph, metadata) {
  const opset = [...bytesField(1, str('')), ...intField(2, 17)];
  return Buffer.from([...intField(1, 8), ...bytesField(7, graph), ...bytesField(8, opset), ...metadataProps(metadata)]);
}

/**
 * A one-node model y = op(x) (ONNX IR 8, opset 17, no attributes) with the given input and output dims and
 * metadata_props (e.g. Ultralytics' task / names).
 */
export function singleOpModel(op, inputDims, outputDims, metadata = {}) {
  const node = [...bytesField(1, str('x')), ...bytesField(2, str('y')), ...bytesField(4, str(op))];
  const graph = [...bytesField(1, node), ...bytesField(2, str('g')), ...bytesField(11, valueInfo('x', inputDims)), ...bytesField(12, valueInfo('y', outputDims))];
  return model(graph, metadata);
}

/** An Identity model y = x with the given input dims. */
export function identityModel(dims) {
  return singleOpModel('Identity', dims, dims);
}

const node = (op, inputs, outputs) => bytesField(1, [...inputs.flatMap((n) => bytesField(1, str(n))), ...outputs.flatMap((n) => bytesField(2, str(n))), ...bytesField(4, str(op))]);

/** An initializer (TensorProto): float32 or int64 data with its shape. */
function initializer(name, shape, data) {
  const type = data instanceof BigInt64Array ? 7 : 1;
  const raw = [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
  return bytesField(5, [...shape.flatMap((d) => intField(1, d)), ...intField(2, type), ...bytesField(8, str(name)), ...bytesField(9, raw)]);
}

/**
 * A model whose outputs are fixed float32 tensors whatever the image: input `images` (inputDims), and per output
 * { name, shape (the real shape), data (Float32Array), declared (the dims the graph declares; default shape,
 * strings are symbolic) }. Each output is Identity(initializer), so ONNX Runtime returns `data` as it is, and its
 * own shape inference reports `shape`. With runtimeShape, the output is instead reshaped by a shape computed from
 * the image (ArgMax -> ReduceMin -> Squeeze: always 0, added to `shape`), so that no shape inference can know it
 * before a run: ONNX Runtime reports [?, ?, ?], as for dynamic exports whose output dims it cannot resolve.
 */
export function constantOutputModel(inputDims, outputs, metadata = {}, { runtimeShape = false } = {}) {
  const graph = [];
  const add = (...parts) => parts.forEach((part) => part.forEach((b) => graph.push(b))); // no call spread: tensors can be large
  if (runtimeShape) add(node('ArgMax', ['images'], ['zeros']), node('ReduceMin', ['zeros'], ['zero4']), node('Squeeze', ['zero4'], ['zero']));
  outputs.forEach((o, i) => {
    if (!runtimeShape) {
      add(node('Identity', [`c${i}`], [o.name]), initializer(`c${i}`, o.shape, o.data));
      return;
    }
    add(initializer(`c${i}`, [o.data.length], o.data), initializer(`k${i}`, [o.shape.length], BigInt64Array.from(o.shape.map(BigInt))));
    add(node('Add', [`k${i}`, 'zero'], [`s${i}`]), node('Reshape', [`c${i}`, `s${i}`], [o.name]));
  });
  add(bytesField(2, str('g')), bytesField(11, valueInfo('images', inputDims)));
  for (const o of outputs) add(bytesField(12, valueInfo(o.name, o.declared ?? (runtimeShape ? o.shape.map((_, d) => `${o.name}_dim${d}`) : o.shape))));
  return model(graph, metadata);
}

/**
 * A copy of a real export with a Slice appended to its first output: output0[..., start:end, ...] along `axis`,
 * declared with `dims` (strings are symbolic). E.g. the first 4 + 2 channels of an 80-class head make a 2-class one.
 */
export function sliceFirstOutput(bytes, { axis, start, end, dims }) {
  const modelFields = topLevelFields(bytes);
  const graphField = modelFields.find((f) => f.num === 7);
  const graphBytes = stripTag(bytes.subarray(graphField.start, graphField.end));
  const graphFields = topLevelFields(graphBytes);
  const outputs = graphFields.filter((f) => f.num === 12);
  const firstName = (() => {
    const info = stripTag(graphBytes.subarray(outputs[0].start, outputs[0].end));
    const nameField = topLevelFields(info).find((f) => f.num === 1);
    return stripTag(info.subarray(nameField.start, nameField.end)).toString('utf8');
  })();
  const i64 = (v) => BigInt64Array.from([BigInt(v)]);
  const added = [
    ...node('Slice', [firstName, 'slice_starts', 'slice_ends', 'slice_axes'], ['sliced0']),
    ...initializer('slice_starts', [1], i64(start)),
    ...initializer('slice_ends', [1], i64(end)),
    ...initializer('slice_axes', [1], i64(axis)),
    ...bytesField(12, valueInfo('sliced0', dims)),
  ];
  // The sliced tensor becomes the first output; the others stay, in order.
  const graph = Buffer.concat([
    ...graphFields.filter((f) => f.num !== 12).map((f) => graphBytes.subarray(f.start, f.end)),
    Buffer.from(added),
    ...outputs.slice(1).map((f) => graphBytes.subarray(f.start, f.end)),
  ]);
  const rebuilt = modelFields.map((f) => (f.num === 7 ? Buffer.from(bytesField(7, [...graph])) : bytes.subarray(f.start, f.end)));
  return Buffer.concat(rebuilt);
}

/** The top-level fields of a protobuf message: [{ num, start, end }] (end exclusive, start at the tag). */
function topLevelFields(buf) {
  const fields = [];
  let i = 0;
  const readVarint = () => {
    let v = 0, mul = 1, b;
    do {
      b = buf[i++];
      v += (b & 0x7f) * mul;
      mul *= 128;
    } while (b & 0x80);
    return v;
  };
  while (i < buf.length) {
    const start = i;
    const tag = readVarint();
    const num = Math.floor(tag / 8), wire = tag & 7;
    if (wire === 0) readVarint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = readVarint();
      i += len;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    fields.push({ num, start, end: i });
  }
  return fields;
}

/** The metadata_props of an ONNX file as an object (key -> value). */
export function readMetadata(bytes) {
  const out = {};
  for (const f of topLevelFields(bytes)) {
    if (f.num !== 14) continue;
    const body = stripTag(bytes.subarray(f.start, f.end)); // StringStringEntryProto { key = 1, value = 2 }
    const kv = {};
    for (const g of topLevelFields(body)) kv[g.num] = stripTag(body.subarray(g.start, g.end)).toString('utf8');
    out[kv[1]] = kv[2] ?? '';
  }
  return out;
}

/** The payload of one length-delimited field (its tag and length stripped). */
function stripTag(fieldBytes) {
  let i = 0;
  while (fieldBytes[i] & 0x80) i++; // tag
  i++;
  let len = 0, mul = 1, b;
  do {
    b = fieldBytes[i++];
    len += (b & 0x7f) * mul;
    mul *= 128;
  } while (b & 0x80);
  return fieldBytes.subarray(i, i + len);
}

/** A copy of an ONNX file (bytes) whose metadata_props are edit(metadata) (an object key -> value). */
export function withMetadata(bytes, edit) {
  const metadata = edit(readMetadata(bytes));
  const kept = topLevelFields(bytes).filter((f) => f.num !== 14).map((f) => bytes.subarray(f.start, f.end));
  return Buffer.concat([...kept, Buffer.from(metadataProps(metadata))]);
}

/** AttributeProto: an int (type INT) or a list of ints (type INTS). */
function attribute(name, value) {
  if (Array.isArray(value)) return [...bytesField(1, str(name)), ...value.flatMap((v) => intField(8, v)), ...intField(20, 7)];
  return [...bytesField(1, str(name)), ...intField(3, value), ...intField(20, 2)];
}

/**
 * A model of several nodes: nodes [{ op, inputs: [names], outputs: [names], attributes: { name: int | int[] } }],
 * initializers [{ name, dims, type (FLOAT or INT64), values }], inputs / outputs [{ name, dims, type }] (FLOAT by
 * default), metadata_props as an object. ONNX IR 8, opset 17.
 */
export function graphModel({ nodes, initializers = [], inputs, outputs, metadata = {} }) {
  const graph = [
    ...nodes.flatMap(({ op, inputs: ins, outputs: outs, attributes = {} }) =>
      bytesField(1, [
        ...ins.flatMap((n) => bytesField(1, str(n))),
        ...outs.flatMap((n) => bytesField(2, str(n))),
        ...bytesField(4, str(op)),
        ...Object.entries(attributes).flatMap(([k, v]) => bytesField(5, attribute(k, v))),
      ]),
    ),
    ...bytesField(2, str('g')),
    ...initializers.flatMap(({ name, dims, type = FLOAT, values }) =>
      initializer(name, dims, type === INT64 ? BigInt64Array.from(values.map(BigInt)) : Float32Array.from(values)),
    ),
    ...inputs.flatMap(({ name, dims, type }) => bytesField(11, valueInfo(name, dims, type))),
    ...outputs.flatMap(({ name, dims, type }) => bytesField(12, valueInfo(name, dims, type))),
  ];
  return model(graph, metadata);
}
