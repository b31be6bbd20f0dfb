import FabricReactor
import FabricTestKit
import Testing
@testable import Fabric
@testable import FabricActorSystem
@testable import FabricTransport

/// Waits (polling) until `condition` holds or `timeout` passes: a safety net, not a timing.
func eventually(timeout: Duration = .seconds(30), _ condition: () async -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}

/// A transport that says it is `node` (an impostor, or an old process come back) and joins `seed`.
final class Claimant {
    let group = EventLoopGroup(loopCount: 1)
    let transport: Transport

    init(node: String, generation: UInt64, joining seed: NodeAddress) {
        transport = Transport(
            configuration: TransportConfiguration(cluster: "test", node: NodeId(uncheckedValid: node), generation: generation, listen: nil),
            group: group, log: { _, _ in })
        transport.join(seeds: [seed])
    }

    func shutdown() {
        transport.shutdown()
        group.shutdown()
    }
}

/// A node's calls to a connected node, and the calls it relays there, survive a hello that
/// claims that node's name (issue 14).
@Suite(.serialized) struct NameClaimCallTests {
    @Test(arguments: [false, true])
    func callsToAConnectedNodeSurviveAnImpostorClaimingItsName(newGeneration: Bool) async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b", "c"])
        let (a, b, c) = (cluster["a"], cluster["b"], cluster["c"])
        let gate = TestGate()
        _ = try b.system.make(name: "gated") { GatedLog(actorSystem: b.system, gate: gate) }
        _ = try b.system.make(name: "greeter") { Greeter(actorSystem: b.system) }
        _ = try a.system.make(name: "greeter") { Greeter(actorSystem: a.system) }
        let gated = try GatedLog.resolve(id: .wellKnown("gated", on: NodeId("b")), using: a.system)
        let pending = Task { try await withCallOptions(timeout: .seconds(60)) { try await gated.appendWhenOpen(1) } }
        #expect(await eventually { b.system.counters.value(.callsReceived) == 1 })

        let impostor = Claimant(
            node: "b", generation: newGeneration ? b.generation ^ 0xFF : b.generation, joining: a.advertisedAddress!)
        // At least once: the impostor's transport dials again after a refusal, so the count can
        // pass 1 between two looks on a loaded machine.
        #expect(await eventually { a.transport.peerTableCounters.value(.claimsRefused) >= 1 })
        #expect(impostor.transport.connectedPeers.isEmpty)
        impostor.shutdown()

        gate.open()
        try await pending.value
        #expect(try await gated.all() == [1])
        // c asks a to call b: a's connection to b is still the real one.
        let relay = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("a")), using: c.system)
        let target = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: c.system)
        let relayed = try await withCallOptions(timeout: .seconds(10)) { try await relay.askBack(target, name: "x") }
        #expect(relayed == ["hello x"])
        #expect(b.system.counters.value(.callsReceived) == 3)
        #expect(a.connectedPeers.first { $0.name.name == "b" }?.generation == b.generation)
        await cluster.shutdown()
    }
}
