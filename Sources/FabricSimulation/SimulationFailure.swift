import FabricCore

/// Why a run stopped before its end; carries everything needed to replay it.
public struct SimulationFailure: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable, Hashable {
        /// The named invariant does not hold.
        case invariantViolated(String)
        /// The run processed its whole event budget (a livelock).
        case eventBudgetExhausted
        /// A node was woken `Limits.simulationWakesPerInstantMax` times at one instant with its
        /// deadline still due.
        case nodeStuck(NodeId)
    }

    /// The seed that replays the run.
    public let seed: UInt64
    /// The simulated time of the failure.
    public let time: Instant
    /// Simulated time since the run's origin.
    public let elapsed: Duration
    /// Events processed up to and including the failing one.
    public let eventsProcessed: UInt64
    /// What went wrong.
    public let reason: Reason
    /// The invariant's message, or the engine's.
    public let message: String
    /// The last events before the failure, oldest first, one line each.
    public let trace: [String]

    /// The failure, the seed and how to replay it, then the trace tail.
    public var description: String {
        let what: String
        switch reason {
        case .invariantViolated(let name): what = "invariant \"\(name)\" violated"
        case .eventBudgetExhausted: what = "event budget exhausted"
        case .nodeStuck(let node): what = "node \(node) stuck at one instant"
        }
        let seconds = Double(elapsed.nanoseconds) / 1e9
        var lines = [
            "simulation failed: \(what) at +\(seconds)s of simulated time, after \(eventsProcessed) events (seed \(seed))",
            "  \(message)",
            "  replay: FABRIC_SIM_SEED=\(seed) swift test --filter <the test>  (CLI: fabric simulate ... --seed \(seed))",
            "  last \(trace.count) events:",
        ]
        lines += trace.map { "    \($0)" }
        return lines.joined(separator: "\n")
    }
}
