import FabricCore

/// How a phi-accrual failure detector judges silence (Hayashibara et al. 2004, §3; the
/// defaults are Akka's, DESIGN.md §6).
///
/// The detector estimates the distribution of heartbeat intervals from the last
/// `maxSampleSize` of them, shifts its mean by `acceptableHeartbeatPause` and floors its
/// standard deviation at `minStandardDeviation`; phi is −log10 of the probability that a
/// heartbeat would come later than the silence seen so far. Tuning:
/// - `threshold`: the node is unavailable once phi reaches it. 8 is a chance of about 1e-8
///   that an available node is wrongly suspected given the estimate; higher waits longer.
/// - `acceptableHeartbeatPause`: pauses up to this long (GC, a busy loop, a slow link) are
///   absorbed. It is the main knob: detection takes roughly interval + pause + a few
///   standard deviations.
/// - `minStandardDeviation`: keeps very regular heartbeats (a tiny measured deviation) from
///   making a few milliseconds of jitter look like a failure.
/// - `firstHeartbeatEstimate`: what the interval is assumed to be before any is measured.
public struct PhiAccrualConfiguration: Hashable, Sendable {
    /// Phi at or above which the node is unavailable (Akka: 8).
    public let threshold: Double
    /// Intervals kept for the estimate, oldest dropped first (Akka: 1000), at most
    /// `Limits.phiAccrualSamplesMax`.
    public let maxSampleSize: Int
    /// The floor of the standard deviation (Akka: 100 ms).
    public let minStandardDeviation: Duration
    /// Silence beyond the mean interval that is still expected (Akka: 3 s).
    public let acceptableHeartbeatPause: Duration
    /// The interval assumed before any is measured (Akka: 1 s); the detector starts with two
    /// samples at 3/4 and 5/4 of it, so its first standard deviation is a quarter of it.
    public let firstHeartbeatEstimate: Duration
    /// How often heartbeats are sent (Akka: 1 s). The detector itself does not use it (it
    /// measures what arrives); the heartbeat monitor sends at this rate.
    public let heartbeatInterval: Duration

    /// Akka's defaults: threshold 8, 1000 samples, 100 ms, 3 s, 1 s, 1 s.
    public static let standard = PhiAccrualConfiguration(
        uncheckedThreshold: 8, maxSampleSize: 1000, minStandardDeviation: .milliseconds(100),
        acceptableHeartbeatPause: .seconds(3), firstHeartbeatEstimate: .seconds(1),
        heartbeatInterval: .seconds(1))

    /// A configuration, or `invalidArgument` saying which value is out of range: the threshold
    /// must be in (0, `Limits.phiAccrualThresholdMax`], the sample size in
    /// 1...`Limits.phiAccrualSamplesMax`, the standard deviation, first estimate and heartbeat
    /// interval positive, the pause not negative.
    public init(
        threshold: Double = 8, maxSampleSize: Int = 1000,
        minStandardDeviation: Duration = .milliseconds(100),
        acceptableHeartbeatPause: Duration = .seconds(3),
        firstHeartbeatEstimate: Duration = .seconds(1),
        heartbeatInterval: Duration = .seconds(1)
    ) throws(FabricError) {
        guard threshold > 0, threshold <= Limits.phiAccrualThresholdMax else {
            throw .invalidArgument(
                "phi threshold \(threshold) is not in (0, \(Limits.phiAccrualThresholdMax)]")
        }
        guard (1...Limits.phiAccrualSamplesMax).contains(maxSampleSize) else {
            throw .invalidArgument(
                "maxSampleSize \(maxSampleSize) is not in 1...\(Limits.phiAccrualSamplesMax)")
        }
        guard minStandardDeviation > .zero else {
            throw .invalidArgument("minStandardDeviation \(minStandardDeviation) is not positive")
        }
        guard acceptableHeartbeatPause >= .zero else {
            throw .invalidArgument("acceptableHeartbeatPause \(acceptableHeartbeatPause) is negative")
        }
        guard firstHeartbeatEstimate > .zero else {
            throw .invalidArgument("firstHeartbeatEstimate \(firstHeartbeatEstimate) is not positive")
        }
        guard heartbeatInterval > .zero else {
            throw .invalidArgument("heartbeatInterval \(heartbeatInterval) is not positive")
        }
        self.init(
            uncheckedThreshold: threshold, maxSampleSize: maxSampleSize,
            minStandardDeviation: minStandardDeviation,
            acceptableHeartbeatPause: acceptableHeartbeatPause,
            firstHeartbeatEstimate: firstHeartbeatEstimate, heartbeatInterval: heartbeatInterval)
    }

    private init(
        uncheckedThreshold threshold: Double, maxSampleSize: Int, minStandardDeviation: Duration,
        acceptableHeartbeatPause: Duration, firstHeartbeatEstimate: Duration,
        heartbeatInterval: Duration
    ) {
        self.threshold = threshold
        self.maxSampleSize = maxSampleSize
        self.minStandardDeviation = minStandardDeviation
        self.acceptableHeartbeatPause = acceptableHeartbeatPause
        self.firstHeartbeatEstimate = firstHeartbeatEstimate
        self.heartbeatInterval = heartbeatInterval
    }
}

extension Duration {
    /// The duration in seconds as a `Double` (for the detector's statistics).
    var secondsValue: Double { Double(nanoseconds) / 1e9 }
}
