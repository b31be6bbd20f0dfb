import FabricCore
import FabricSimulation
import Testing

/// How a harness puts a real core under the engine: a toy heartbeat detector with a core's API
/// (`onTimer(now:random:)`, `onMessage(_:from:now:random:)`, `nextDeadline`, directives), its
/// adapter in a few lines, and the invariant the membership harness will need, written against
/// the fault state: no live, reachable node is ever suspected.
@Suite struct CoreAdapterTests {
    /// The toy core: a pure value that returns directives, as MembershipCore does.
    struct HeartbeatCore: Sendable {
        enum Directive { case send(Heartbeat, to: NodeId), event(Event) }
        struct Heartbeat: Sendable { var generation: Int }
        enum Event: Equatable, Sendable { case suspect(NodeId), alive(NodeId) }

        let peers: [NodeId]
        let interval: Duration
        let timeout: Duration
        var lastHeard: [NodeId: Instant] = [:]
        var suspected: Set<NodeId> = []
        var nextBeat: Instant

        var nextDeadline: Instant? { nextBeat }

        mutating func onTimer(now: Instant, random: inout some RandomNumberGenerator) -> [Directive] {
            guard nextBeat <= now else { return [] }
            nextBeat = now + interval + .milliseconds(Int64(random.next() % 10))
            var directives = peers.map { Directive.send(Heartbeat(generation: 0), to: $0) }
            for peer in peers where !suspected.contains(peer) && now.duration(since: lastHeard[peer] ?? .zero) > timeout {
                suspected.insert(peer)
                directives.append(.event(.suspect(peer)))
            }
            return directives
        }

        mutating func onMessage(_ heartbeat: Heartbeat, from sender: NodeId, now: Instant,
                                random: inout some RandomNumberGenerator) -> [Directive] {
            lastHeard[sender] = now
            return suspected.remove(sender) != nil ? [.event(.alive(sender))] : []
        }
    }

    /// The adapter: this is all a harness writes to run a directive core.
    struct HeartbeatNode: SimulatedNode {
        typealias Message = HeartbeatCore.Heartbeat
        typealias Event = HeartbeatCore.Event
        var core: HeartbeatCore
        var nextDeadline: Instant? { core.nextDeadline }

        mutating func start(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
            for peer in core.peers { core.lastHeard[peer] = now }
        }
        mutating func receive(_ message: Message, from sender: NodeId, now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
            carryOut(core.onMessage(message, from: sender, now: now, random: &random), &outbox)
        }
        mutating func wake(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
            carryOut(core.onTimer(now: now, random: &random), &outbox)
        }
        func carryOut(_ directives: [HeartbeatCore.Directive], _ outbox: inout Outbox) {
            for directive in directives {
                switch directive {
                case .send(let heartbeat, let peer): outbox.send(heartbeat, to: peer, bytes: 12)
                case .event(let event): outbox.observe(event)
                }
            }
        }
    }

    /// No node suspects a peer that has been up and reachable both ways, with itself up, for
    /// longer than `grace` (the detector's timeout plus a heartbeat interval plus the latency).
    struct NoLiveReachableNodeSuspected: SimulationInvariant {
        typealias Node = HeartbeatNode
        let name = "no live, reachable node is suspected"
        let grace: Duration

        func observe(_ event: HeartbeatCore.Event, from observer: NodeId, in view: SimulationView<HeartbeatNode>) -> String? {
            guard case .suspect(let peer) = event else { return nil }
            let faults = view.faults
            guard faults.isLiveAndReachable(peer, from: observer) else { return nil }
            let stableSince = max(faults.lastChange(of: peer), faults.lastChange(of: observer))
            let stable = view.time.duration(since: stableSince)
            return stable > grace ? "\(observer) suspected \(peer), live and reachable for \(stable) (grace \(grace))" : nil
        }

        func check(_ view: SimulationView<HeartbeatNode>) -> String? { nil }
    }

    func run(seed: UInt64, timeout: Duration) throws -> (suspicions: Int, simulation: Simulation<HeartbeatNode>) {
        let ids = nodeNames(7)
        let simulation = Simulation(seed: seed, nodes: ids) { context in
            HeartbeatNode(core: HeartbeatCore(peers: ids.filter { $0 != context.id }, interval: .seconds(1),
                                              timeout: timeout, nextBeat: .zero))
        }
        simulation.inject(FaultPlan(end: .seconds(100), meanGap: .seconds(4), duration: .seconds(1)...(.seconds(8)),
                                    weights: .init(degrade: 0), nodesDownMax: 2))
        simulation.add(NoLiveReachableNodeSuspected(grace: timeout + .seconds(1) + .milliseconds(20)))
        var suspicions = 0
        simulation.onObserve = { event, _, _ in if case .suspect = event { suspicions += 1 } }
        try simulation.run(for: .seconds(120))
        return (suspicions, simulation)
    }

    @Test func aCorrectDetectorSuspectsOnlyUnreachableNodes() throws {
        try forEachSeed(defaultCount: 3) { seed in
            let (suspicions, simulation) = try run(seed: seed, timeout: .seconds(3))
            #expect(suspicions > 0, "seed \(seed): the faults caused no suspicion at all")
            #expect(simulation.figures.total.messagesDelivered > 0)
        }
    }

    /// The same detector with a timeout shorter than its heartbeat interval suspects live nodes,
    /// and the invariant says so with the seed.
    @Test func aDetectorWithTooShortATimeoutIsCaught() throws {
        let failure = try #require(throws: SimulationFailure.self) { try run(seed: 5, timeout: .milliseconds(900)) }
        #expect(failure.reason == .invariantViolated("no live, reachable node is suspected"))
        #expect(failure.description.contains("FABRIC_SIM_SEED=5"))
    }
}
