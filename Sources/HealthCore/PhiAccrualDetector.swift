import FabricCore

/// The phi-accrual failure detector for one monitored node (Hayashibara et al. 2004): instead
/// of a yes/no after a fixed timeout it gives phi, a suspicion level on a continuous scale that
/// grows with silence, measured against the heartbeat intervals this node has actually shown.
///
/// Rules (the integrator's Operations page repeats them):
/// - Before its first heartbeat the detector is not monitoring: phi is 0 and the node is
///   available (`HealthMonitorCore` feeds a first heartbeat when it starts watching a node, so
///   a node that never answers is still detected).
/// - The history starts with two samples at 3/4 and 5/4 of `firstHeartbeatEstimate` (mean the
///   estimate, deviation a quarter of it); real intervals push them out of the ring like any
///   other sample once `maxSampleSize` is reached.
/// - A heartbeat records the interval since the previous one only if the node was still
///   available when it arrived: an outage measures the outage, not the heartbeat rate, and
///   recording it would make the detector slow to notice the next failure (Akka does the same).
/// - A heartbeat earlier than the previous one (a clock that went back) counts as arriving at
///   the previous one's instant: interval 0, never a negative one.
/// - phi(now) uses mean + `acceptableHeartbeatPause` and max(deviation, `minStandardDeviation`)
///   (see `PhiAccrualDetector+Phi.swift` for the formula and why it is always finite).
public struct PhiAccrualDetector: Hashable, Sendable {
    /// How this detector judges silence.
    public let configuration: PhiAccrualConfiguration
    /// The recent intervals between heartbeats.
    var history: IntervalHistory
    /// When the last heartbeat arrived, or nil before the first.
    public private(set) var lastHeartbeat: Instant?

    /// A detector that has seen no heartbeat yet.
    public init(configuration: PhiAccrualConfiguration = .standard) {
        self.configuration = configuration
        history = IntervalHistory(capacity: configuration.maxSampleSize)
        let estimate = UInt64(configuration.firstHeartbeatEstimate.nanoseconds)
        history.append(estimate - estimate / 4)
        history.append(estimate + estimate / 4)
    }

    /// Records a heartbeat that arrived at `now` (O(1)).
    public mutating func onHeartbeat(now: Instant) {
        guard let last = lastHeartbeat else {
            lastHeartbeat = now
            return
        }
        let arrival = max(now, last)
        if isAvailable(now: arrival) {
            history.append(arrival.nanoseconds - last.nanoseconds)
        }
        lastHeartbeat = arrival
    }

    /// Whether phi at `now` is below the threshold (always true before the first heartbeat).
    public func isAvailable(now: Instant) -> Bool {
        phi(now: now) < configuration.threshold
    }

    /// Intervals currently kept (the two seeds included until they are pushed out).
    public var sampleCount: Int { history.count }

    /// The mean of the kept intervals, before `acceptableHeartbeatPause` is added.
    public var meanInterval: Duration { .nanoseconds(Int64(history.sum / UInt128(history.count))) }

    /// The standard deviation of the kept intervals, before the `minStandardDeviation` floor.
    public var intervalStandardDeviation: Duration {
        .nanoseconds(Int64(history.standardDeviationSeconds * 1e9))
    }
}
