import FabricCore
import MembershipCore

/// Incarnations only grow: per observer and member, within one generation of each, the
/// incarnation the observer's view holds never decreases (SWIM §4.2: only the member raises
/// its own, and precedence never takes an older one).
///
/// Seen two ways: every event (it carries the member as the view now holds it), and a scan of
/// every view at `cadence` (changes without an event, such as a refutation merged by a member
/// that saw no suspicion). The scan is O(n²) dictionary look-ups: every second suits tens of
/// members; `SWIMScenario` scans every n/30 periods (33 at 1,000 members, where one scan of
/// the million pairs costs about as much as 3 simulated periods).
public struct SWIMIncarnationsGrow: SimulationInvariant {
    /// The members this invariant watches.
    public typealias Node = SWIMSimulatedNode
    /// The name failure reports carry.
    public let name = "incarnations only grow"
    /// How often every view is scanned.
    public let cadence: SimulationInvariantCadence
    var count = 0
    /// Per observer × member: (observer's life, member generation, incarnation); life −1: none yet.
    var seen: [(life: Int, generation: UInt64, incarnation: UInt64)] = []

    /// The invariant, scanning every view at `scanEvery`.
    public init(scanEvery: Duration = .seconds(1)) { cadence = .every(scanEvery) }

    mutating func record(observer: Int, member: Member, life: Int, faults: SimulationFaultState) -> String? {
        let nodes = faults.nodeIDs.count
        if nodes != count {
            var grown = [(life: Int, generation: UInt64, incarnation: UInt64)](
                repeating: (-1, 0, 0), count: nodes * nodes)
            for o in 0..<count { for m in 0..<count { grown[o * nodes + m] = seen[o * count + m] } }
            seen = grown
            count = nodes
        }
        guard let m = faults.index(of: member.node) else { return nil }
        let slot = observer * count + m
        let previous = seen[slot]
        defer { seen[slot] = (life, member.identity.generation, member.incarnation) }
        guard previous.life == life, previous.generation == member.identity.generation,
            member.incarnation < previous.incarnation
        else { return nil }
        return "\(faults.nodeIDs[observer]) saw \(member.node) (generation \(member.identity.generation)) go from "
            + "incarnation \(previous.incarnation) back to \(member.incarnation)"
    }

    /// Records the incarnation an event shows and compares it with the last one seen.
    public mutating func observe(_ event: MembershipEvent, from observer: NodeId, in view: SimulationView<Node>) -> String? {
        let faults = view.faults
        guard let index = faults.index(of: observer), event.kind != .removed else { return nil }
        return record(observer: index, member: event.member, life: faults.generation(of: observer), faults: faults)
    }

    /// Scans every view for an incarnation lower than the one seen before.
    public mutating func check(_ view: SimulationView<Node>) -> String? {
        let faults = view.faults
        let ids = faults.nodeIDs
        for observer in ids.indices {
            guard let node = view.node(at: observer) else { continue }
            let life = faults.generation(of: ids[observer])
            for member in ids {
                guard let seen = node.core.member(member) else { continue }
                if let message = record(observer: observer, member: seen, life: life, faults: faults) { return message }
            }
        }
        return nil
    }
}
