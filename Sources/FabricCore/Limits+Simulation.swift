// Bounds of the deterministic simulator (FabricSimulation, DESIGN.md §7 tier 3).
extension Limits {
    /// Nodes in one simulation (the membership goal is 1,000; ten times that still fits in memory).
    public static let simulationNodesMax = 10_000
    /// Messages in flight at once (sent, not yet delivered or dropped); a send past it is dropped
    /// and counted as `inFlightLimit`, so a message storm ends as a figure, not as exhausted memory.
    public static let simulationInFlightMessagesMax = 10_000_000
    /// Messages held for one paused node (its "socket buffer"); past it they are dropped and
    /// counted as `pausedInboxFull`, as a kernel drops what no one reads.
    public static let simulationPausedInboxMessagesMax = 100_000
    /// Trace records kept for a failure report (the ring of the last events); a configuration asking
    /// for more is clamped to this.
    public static let simulationTraceTailMax = 65_536
    /// Events one `run` may process unless its configuration says otherwise; past it the run stops
    /// with a `SimulationFailure` (a livelock, such as two nodes answering each other at zero latency).
    public static let simulationEventBudgetDefault = 200_000_000
    /// Times in a row a node may be woken at the same instant with its deadline still due; past it
    /// the run stops with a failure that names the node (a core whose deadline never moves on).
    public static let simulationWakesPerInstantMax = 10_000
    /// Seeds one test may ask for through `FABRIC_SIM_SEEDS`.
    public static let simulationSeedsMax = 100_000
}
