import FabricCore
import MembershipCore

/// What the scenario's observer records while the run goes (one per run; the engine calls it
/// between node calls, so it never races a node).
final class SWIMScenarioLog {
    var count: Int
    /// Per observer index: other members it has joined minus removed (warm-up convergence).
    var known: [Int]
    var pausedEver: Set<NodeId> = []
    var slow: Set<NodeId> = []
    var falsePositiveExamples: [String] = []
    var slowDeclarations = SWIMScenarioResult.Declarations()
    var slowDeclarationPairs: Set<Int> = []
    var falsePositives = SWIMScenarioResult.Declarations()
    var falsePositivePairs: Set<Int> = []
    var pauseDeclarations = SWIMScenarioResult.Declarations()
    var pauseDeclarationPairs: Set<Int> = []
    /// Distinct suspicions: (member index, generation, incarnation) of every `suspect` event.
    var suspicions: Set<SuspicionKey> = []
    var suspectEvents = 0

    struct SuspicionKey: Hashable {
        var member: Int
        var generation: UInt64
        var incarnation: UInt64
    }

    var joiner: NodeId?
    var joinFirstKnown: Instant?
    var joinKnownBy: Set<NodeId> = []
    var joinAllKnown: Instant?
    var originals: Int

    var victim: NodeId?
    var crashedAt: Instant?
    var firstSuspicion: Instant?
    var declaredAt: [NodeId: Instant] = [:]
    /// The members that held the victim alive or suspect when it crashed: the ones to detect it.
    var holders: Set<NodeId> = []

    init(members: Int) {
        count = members
        originals = members
        known = [Int](repeating: 0, count: members)
    }

    func observe(_ event: MembershipEvent, from observer: NodeId, at time: Instant, in simulation: Simulation<SWIMSimulatedNode>) {
        let faults = simulation.faults
        guard let o = faults.index(of: observer) else { return }
        if o >= known.count { known += [Int](repeating: 0, count: o + 1 - known.count) }
        let about = event.member.node
        let isOther = about != observer
        switch event.kind {
        case .joined where isOther: known[o] += 1
        case .removed where isOther: known[o] -= 1
        default: break
        }
        if event.kind == .joined, about == joiner, isOther, o < originals {
            joinFirstKnown = joinFirstKnown ?? time
            joinKnownBy.insert(observer)
            if joinKnownBy.count == originals, joinAllKnown == nil {
                joinAllKnown = time
                simulation.stop()
            }
        }
        guard isOther, let m = faults.index(of: about),
            event.member.identity.generation == UInt64(faults.generation(of: about))
        else { return }
        if event.kind == .suspect {
            suspectEvents += 1
            suspicions.insert(SuspicionKey(member: m, generation: event.member.identity.generation,
                                           incarnation: event.member.incarnation))
        }
        if about == victim, let crashedAt, time >= crashedAt {
            if event.kind == .suspect { firstSuspicion = firstSuspicion ?? time }
            if event.kind == .unreachable || event.kind == .down, declaredAt[observer] == nil, holders.contains(observer) {
                declaredAt[observer] = time
                if declaredAt.count == holders.count { simulation.stop() }
            }
            return
        }
        guard event.kind == .unreachable || event.kind == .down, faults.status(of: about) != .crashed else { return }
        let pair = o * Limits.simulationNodesMax + m
        if slow.contains(about) {
            slowDeclarations.events += 1
            if slowDeclarationPairs.insert(pair).inserted { slowDeclarations.pairs += 1 }
        } else if pausedEver.contains(about) {
            pauseDeclarations.events += 1
            if pauseDeclarationPairs.insert(pair).inserted { pauseDeclarations.pairs += 1 }
        } else {
            if falsePositiveExamples.count < 5 {
                let seconds = SWIMFormat.seconds(time.duration(since: simulation.configuration.origin))
                falsePositiveExamples.append("\(observer) declared \(about) \(event.kind) at \(seconds)s")
            }
            falsePositives.events += 1
            if falsePositivePairs.insert(pair).inserted { falsePositives.pairs += 1 }
        }
    }

    /// Records who holds `victim` alive or suspect now (just before it crashes).
    func recordHolders(of victim: NodeId, in simulation: Simulation<SWIMSimulatedNode>) {
        for (index, node) in simulation.nodeIDs.enumerated() where node != victim {
            guard let status = simulation.node(at: index)?.core.member(victim)?.status else { continue }
            if status == .alive || status == .suspect { holders.insert(node) }
        }
    }
}
