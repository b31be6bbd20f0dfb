import FabricCore
@testable import HealthCore

/// Small helpers shared by the HealthCore tests.
enum HealthTestSupport {
    /// The instant `milliseconds` after the origin.
    static func at(milliseconds: Int) -> Instant { Instant(nanoseconds: UInt64(milliseconds) * 1_000_000) }

    /// A node id from a name known to be valid.
    static func node(_ name: String) -> NodeId { NodeId(uncheckedValid: name) }

    /// A detector fed heartbeats every `intervalMilliseconds` from time 0, `count` of them.
    static func regularDetector(
        count: Int, intervalMilliseconds: Int, configuration: PhiAccrualConfiguration = .standard
    ) -> PhiAccrualDetector {
        var detector = PhiAccrualDetector(configuration: configuration)
        for index in 0..<count { detector.onHeartbeat(now: at(milliseconds: index * intervalMilliseconds)) }
        return detector
    }

    /// A check result, with the name and interval known to be valid.
    static func check(
        _ name: String, required: Bool = true, intervalSeconds: Int = 10, status: HealthCheckStatus?,
        atMilliseconds: Int = 0
    ) -> HealthCheckResult {
        let run = status.map { HealthCheckRun(status: $0, at: at(milliseconds: atMilliseconds)) }
        do {
            return try HealthCheckResult(name: name, interval: .seconds(intervalSeconds), isRequired: required, last: run)
        } catch {
            preconditionFailure("bad test check: \(error)")
        }
    }
}
