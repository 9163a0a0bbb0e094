// Statistics for benchmarks: medians and percentiles by linear interpolation,
// ratios against a baseline measured in the same run (machines are noisy).

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * p;
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export const median = (values) => percentile(values, 0.5);

/** "1.23" (two decimals), or "—" for a missing value. */
export function fixed(value, digits = 2) {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/** "×1.05" against a baseline. */
export function ratio(value, baseline) {
  return Number.isFinite(value) && baseline > 0 ? `×${(value / baseline).toFixed(2)}` : '—';
}

/** Runs `variants` round-robin (one sample of each per round) so drift hits all alike. */
export async function sampleRoundRobin(variants, rounds, sampleOnce) {
  const samples = Object.fromEntries(variants.map((variant) => [variant, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) samples[variant].push(await sampleOnce(variant, round));
  }
  return samples;
}
