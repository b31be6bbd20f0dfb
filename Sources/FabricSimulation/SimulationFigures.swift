import FabricCore

/// Why the simulated network did not deliver a message.
public enum SimulationDropReason: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Random loss (`LinkConditions.loss`).
    case loss
    /// A partition or a one-way cut separated sender and destination (at send or at delivery).
    case partition
    /// The destination was crashed, or crashed and restarted, while the message was on its way
    /// or waiting in its paused inbox (a reset connection loses what it carried).
    case crashed
    /// The destination was paused and its inbox held `Limits.simulationPausedInboxMessagesMax`.
    case pausedInboxFull
    /// The destination is not a node of the simulation.
    case unknownDestination
    /// `Limits.simulationInFlightMessagesMax` messages were already in flight.
    case inFlightLimit

    /// The case's name.
    public var description: String {
        switch self {
        case .loss: "loss"
        case .partition: "partition"
        case .crashed: "crashed"
        case .pausedInboxFull: "pausedInboxFull"
        case .unknownDestination: "unknownDestination"
        case .inFlightLimit: "inFlightLimit"
        }
    }
}

/// Message and byte counts of one node, or of the whole run.
///
/// A send is counted at its sender; a delivery at its receiver; a drop and a duplication at the
/// message's sender (it is the sender's traffic that the network lost or copied). A duplicate
/// that is delivered counts as a delivery too, so `delivered` can exceed `sent`.
public struct SimulationTraffic: Sendable, Hashable {
    /// Messages the node(s) sent.
    public var messagesSent = 0
    /// Bytes the node(s) sent.
    public var bytesSent = 0
    /// Messages delivered to the node(s).
    public var messagesDelivered = 0
    /// Bytes delivered to the node(s).
    public var bytesDelivered = 0
    /// Messages of the node(s) the network dropped.
    public var messagesDropped = 0
    /// Bytes of the node(s) the network dropped.
    public var bytesDropped = 0
    /// Extra copies of the node(s)' messages the network made.
    public var messagesDuplicated = 0
    /// Bytes of those copies.
    public var bytesDuplicated = 0

    /// No traffic.
    public init() {}
}

/// What a run did, for the harness's figures (wall time is the caller's to measure: the engine
/// reads no clock).
public struct SimulationFigures: Sendable {
    /// Simulated time elapsed since the run's origin.
    public var simulatedTime: Duration
    /// Events the engine processed (deliveries, timers, wake-ups, starts, scripts).
    public var eventsProcessed: UInt64
    /// All nodes' traffic together.
    public var total: SimulationTraffic
    /// Each node's traffic, in the order of `Simulation.nodeIDs`.
    public var perNode: [SimulationTraffic]
    /// Drops by reason, indexed by `SimulationDropReason.rawValue`.
    var drops: [Int]

    /// Messages dropped for `reason`.
    public func dropped(_ reason: SimulationDropReason) -> Int { drops[Int(reason.rawValue)] }
}
