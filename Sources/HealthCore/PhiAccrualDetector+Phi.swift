import FabricCore

extension PhiAccrualDetector {
    /// The largest |y| (silence minus mean, in standard deviations) the formula is evaluated
    /// at; past it y is clamped. At y = 10⁴ phi is already about 3·10¹⁰, far beyond any
    /// threshold (`Limits.phiAccrualThresholdMax` is 1000), and the cubic below stays finite.
    static let standardizedSilenceMax = 1e4

    /// The suspicion level at `now`: −log10 of the probability that a heartbeat comes later
    /// than the silence since the last one, under a normal distribution with the history's
    /// mean + `acceptableHeartbeatPause` and max(deviation, `minStandardDeviation`)
    /// (Hayashibara et al. 2004, §3). 0 before the first heartbeat.
    ///
    /// The normal CDF is approximated by the logistic function
    /// F(y) ≈ 1 / (1 + e^(−z)), z = 1.5976·y + 0.070566·y³ (Bowling, Khasawneh, Kaewkuekool and
    /// Cho, "A logistic approximation to the cumulative normal distribution", Journal of
    /// Industrial Engineering and Management 2(1), 2009; maximum error about 1.4·10⁻⁴), as
    /// Akka's detector does. Then P(later) = 1 − F(y) = 1 / (1 + e^z) and
    /// phi = log10(1 + e^z) = softplus(z) / ln 10.
    ///
    /// Safety: written as softplus, phi never divides by zero and never takes the log of an
    /// underflowed 0 (the naive −log10(1 − F) becomes +infinity once 1 − F rounds to 0, about
    /// 8.5 deviations out); y is clamped to ±`standardizedSilenceMax` and the deviation is
    /// floored, so phi is finite, ≥ 0, and never NaN for any input.
    public func phi(now: Instant) -> Double {
        guard let last = lastHeartbeat else { return 0 }
        let silence = now > last ? now.duration(since: last).secondsValue : 0
        let (mean, deviation) = distribution
        return Self.phi(silence: silence, mean: mean, standardDeviation: deviation)
    }

    /// The instant at which phi reaches the threshold if no heartbeat arrives first (nil before
    /// the first heartbeat): the point the heartbeat monitor sets its timer to. Rounded up, plus
    /// a microsecond, so that `isAvailable(now: unavailableAt)` is false despite rounding.
    public var unavailableAt: Instant? {
        guard let last = lastHeartbeat else { return nil }
        let (mean, deviation) = distribution
        let silence = Self.silence(reachingPhi: configuration.threshold, mean: mean,
                                   standardDeviation: deviation)
        let nanoseconds = max(0, (silence * 1e9).rounded(.up)) + 1000
        guard nanoseconds < 9e18 else { return Instant(nanoseconds: .max) }
        return last + .nanoseconds(Int64(nanoseconds))
    }

    /// The mean (shifted by the acceptable pause) and the floored deviation, in seconds.
    var distribution: (mean: Double, standardDeviation: Double) {
        let mean = history.meanSeconds + configuration.acceptableHeartbeatPause.secondsValue
        let deviation = max(history.standardDeviationSeconds,
                            configuration.minStandardDeviation.secondsValue)
        return (mean, deviation)
    }

    /// phi for `silence` seconds under a normal distribution (`mean`, `standardDeviation` > 0).
    static func phi(silence: Double, mean: Double, standardDeviation: Double) -> Double {
        let raw = (silence - mean) / standardDeviation
        let y = min(max(raw, -standardizedSilenceMax), standardizedSilenceMax)
        let z = y * (1.5976 + 0.070566 * y * y)
        return HealthMath.softplus(z) / HealthMath.ln10
    }

    /// The silence (seconds) at which phi equals `target`: the inverse of `phi(silence:…)`.
    /// softplus(z) = target·ln10 gives z = s + ln(1 − e^−s); the cubic in y is strictly
    /// increasing, so Newton's method from the right converges to its single root.
    static func silence(reachingPhi target: Double, mean: Double, standardDeviation: Double) -> Double {
        let s = target * HealthMath.ln10
        let z = s + HealthMath.naturalLogarithm(1 - HealthMath.exponential(-s))
        let y = solveStandardized(z: z)
        return mean + y * standardDeviation
    }

    /// The y with 1.5976·y + 0.070566·y³ = z (odd function: solved for |z|, sign restored).
    static func solveStandardized(z: Double) -> Double {
        let target = abs(z)
        var y = target / 1.5976  // an upper bound of the root: the cubic term only adds
        for _ in 0..<100 {
            let value = y * (1.5976 + 0.070566 * y * y) - target
            let slope = 1.5976 + 3 * 0.070566 * y * y
            let next = y - value / slope
            if abs(next - y) <= 1e-15 * max(1, y) { y = next; break }
            y = next
        }
        return z < 0 ? -y : y
    }
}
