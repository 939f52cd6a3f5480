/**
 * The floor: onnxruntime-node's InferenceSession.run on a pre-made input tensor, nothing else. No pipeline that
 * starts from encoded bytes can be faster than this on the same session options and threads.
 */
export function floorContender(session, feeds) {
  return async () => {
    const t0 = performance.now();
    const outputs = await session.run(feeds);
    const ms = performance.now() - t0;
    for (const name of Object.keys(outputs)) outputs[name].dispose?.();
    return { ms, stages: { inference: ms } };
  };
}
