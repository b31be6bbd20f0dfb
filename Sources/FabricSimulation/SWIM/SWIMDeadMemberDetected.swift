import FabricCore
import MembershipCore

/// A dead member is detected by all: a member crashed (and not restarted) for longer than
/// `bound` (`SWIMBounds.detectionBound`) is no longer alive or suspect in the view of any
/// member that has been up, with no fault of its own, for that long too (any generation of it:
/// a view that never learnt the last life still must not hold an older one alive).
public struct SWIMDeadMemberDetected: SimulationInvariant {
    /// The members this invariant watches.
    public typealias Node = SWIMSimulatedNode
    /// The name failure reports carry.
    public let name = "a dead member is detected by all"
    /// How often the crashed members are looked up in every view.
    public let cadence: SimulationInvariantCadence
    /// How long detection may take.
    public let bound: Duration

    /// The invariant with detection `bound`, checked every `checkEvery` of simulated time.
    public init(bound: Duration, checkEvery: Duration = .seconds(1)) {
        self.bound = bound
        cadence = .every(checkEvery)
    }

    /// Looks up every member crashed for longer than the bound in every view that must know.
    public func check(_ view: SimulationView<Node>) -> String? {
        let faults = view.faults
        let ids = faults.nodeIDs
        let now = view.time
        let dead = ids.filter { faults.status(of: $0) == .crashed && now.duration(since: faults.statusSince(of: $0)) > bound }
        guard !dead.isEmpty else { return nil }
        for observer in ids where faults.status(of: observer) == .up {
            guard now.duration(since: faults.lastChange(of: observer)) > bound, let node = view.node(observer) else { continue }
            for member in dead {
                guard let entry = node.core.member(member), entry.status == .alive || entry.status == .suspect else { continue }
                return "\(observer) still holds \(member) \(entry.status) \(SWIMFormat.seconds(now.duration(since: faults.statusSince(of: member))))s "
                    + "after it crashed (bound \(SWIMFormat.seconds(bound))s)"
            }
        }
        return nil
    }
}
