import FabricCore

/// The last heartbeat intervals a detector has seen, in a ring of fixed capacity, with their
/// sum and sum of squares kept up to date so that the mean and variance cost O(1) per
/// heartbeat (the paper's sliding window, Hayashibara et al. 2004, §4.1).
///
/// The sums are exact integers (nanoseconds, in `UInt128`), so they never drift however long
/// the detector runs, and the variance is computed as (n·Σx² − (Σx)²) / n², exact until the final
/// division. Intervals are capped at `Limits.phiAccrualIntervalNanosecondsMax`, which keeps
/// n·Σx² below 2^128 for every n up to `Limits.phiAccrualSamplesMax`.
struct IntervalHistory: Hashable, Sendable {
    /// The ring's storage; grows up to `capacity`, then entries are overwritten oldest first.
    private var samples: [UInt64] = []
    /// Where the oldest sample is once the ring is full.
    private var oldest = 0
    /// How many samples the ring keeps.
    let capacity: Int
    /// Σx over the kept samples (ns).
    private(set) var sum: UInt128 = 0
    /// Σx² over the kept samples (ns²).
    private(set) var sumOfSquares: UInt128 = 0

    /// An empty history keeping at most `capacity` samples.
    init(capacity: Int) {
        precondition(
            (1...Limits.phiAccrualSamplesMax).contains(capacity),
            "interval history capacity \(capacity) outside 1...\(Limits.phiAccrualSamplesMax)")
        self.capacity = capacity
    }

    /// How many samples are kept.
    var count: Int { samples.count }

    /// The kept samples, oldest first (for tests and diagnostics; O(n)).
    var orderedSamples: [UInt64] { Array(samples[oldest...] + samples[..<oldest]) }

    /// Records `nanoseconds` (capped), dropping the oldest sample when full.
    mutating func append(_ nanoseconds: UInt64) {
        let value = min(nanoseconds, Limits.phiAccrualIntervalNanosecondsMax)
        if samples.count < capacity {
            samples.append(value)
        } else {
            let dropped = samples[oldest]
            sum -= UInt128(dropped)
            sumOfSquares -= UInt128(dropped) * UInt128(dropped)
            samples[oldest] = value
            oldest = (oldest + 1) % capacity
        }
        sum += UInt128(value)
        sumOfSquares += UInt128(value) * UInt128(value)
    }

    /// The mean interval in seconds (0 when empty).
    var meanSeconds: Double {
        guard !samples.isEmpty else { return 0 }
        return Double(sum) / Double(samples.count) / 1e9
    }

    /// The population standard deviation in seconds (0 when empty).
    var standardDeviationSeconds: Double {
        guard !samples.isEmpty else { return 0 }
        let n = UInt128(samples.count)
        // Cauchy–Schwarz: n·Σx² ≥ (Σx)², so this never underflows.
        let scaledVariance = n * sumOfSquares - sum * sum
        let variance = Double(scaledVariance) / (Double(n) * Double(n))
        return variance.squareRoot() / 1e9
    }
}
