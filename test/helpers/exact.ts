/** Exact float64 versions of what bnviz computes, written plainly for the tests to compare against. */

/** Batch norm per channel over every pixel of every image (float64), Keras training-mode formula. */
export function batchNorm64(images: Float32Array[], epsilon: number): { out: Float64Array[]; mean: number[]; variance: number[] } {
  const mean = [0, 0, 0];
  const variance = [0, 0, 0];
  let count = 0;
  for (const img of images) {
    for (let i = 0; i < img.length; i++) mean[i % 3] += img[i];
    count += img.length / 3;
  }
  for (let c = 0; c < 3; c++) mean[c] /= count;
  for (const img of images) for (let i = 0; i < img.length; i++) variance[i % 3] += (img[i] - mean[i % 3]) ** 2;
  for (let c = 0; c < 3; c++) variance[c] /= count;
  const out = images.map((img) => Float64Array.from(img, (v, i) => (v - mean[i % 3]) / Math.sqrt(variance[i % 3] + epsilon)));
  return { out, mean, variance };
}

export function channel(data: ArrayLike<number>, c: number): number[] {
  const out: number[] = [];
  for (let i = c; i < data.length; i += 3) out.push(data[i]);
  return out;
}

/** scipy gaussian_kde with Scott's factor, evaluated exactly at xs. */
export function exactKde(values: number[], xs: number[]): { y: number[]; bandwidth: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sampleVar = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const h = Math.sqrt(sampleVar) * n ** -0.2;
  const norm = 1 / (n * h * Math.sqrt(2 * Math.PI));
  const y = xs.map((x) => {
    let s = 0;
    for (const v of values) {
      const z = (x - v) / h;
      s += Math.exp(-0.5 * z * z);
    }
    return s * norm;
  });
  return { y, bandwidth: h };
}

/** Each pixel's value through a level table (`values[level * 3 + c]`), as a TableImage draws it. */
export function lookup(codes: ArrayLike<number>, values: Float32Array): Float32Array {
  return Float32Array.from({ length: codes.length }, (_, j) => values[codes[j]! * 3 + (j % 3)]!);
}
