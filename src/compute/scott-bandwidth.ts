/**
 * Scott's rule as scipy's gaussian_kde applies it in one dimension (and so
 * seaborn's kdeplot): the kernel's standard deviation is the sample standard
 * deviation (ddof 1) times n^(-1/5) (Scott 1992, Multivariate Density
 * Estimation, eq. 6.42). fast-kde's own default (nrd, Silverman-like with the
 * IQR) differs, so bnviz always passes this bandwidth explicitly.
 */
export function scottBandwidth(std: number, n: number, adjust = 1): number {
  if (n < 2) return 0;
  const sampleStd = std * Math.sqrt(n / (n - 1)); // ddof 0 -> ddof 1
  return adjust * sampleStd * Math.pow(n, -1 / 5);
}
