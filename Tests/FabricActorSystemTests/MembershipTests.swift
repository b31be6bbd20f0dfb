import FabricReactor
import FabricTestKit
import Testing
@testable import Fabric
@testable import FabricActorSystem
@testable import FabricTransport

/// `declareDown`: the membership interface of the actor system (issue 14).
@Suite(.serialized) struct MembershipTests {
    /// The error `body` throws, as a FabricError (nil if it returns).
    static func failure(_ body: () async throws -> Void) async -> FabricError? {
        do {
            try await body()
            return nil
        } catch let error as FabricError {
            return error
        } catch {
            return FabricError(.protocolViolation, "not a FabricError: \(error)")
        }
    }

    @Test func declaringANodeDownFailsItsCallsAtOnceRefusesNewOnesAndStopsRedialling() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        let (a, b) = (cluster["a"], cluster["b"])
        let gate = TestGate()
        _ = try b.system.make(name: "gated") { GatedLog(actorSystem: b.system, gate: gate) }
        _ = try b.system.make(name: "greeter") { Greeter(actorSystem: b.system) }
        let gated = try GatedLog.resolve(id: .wellKnown("gated", on: NodeId("b")), using: a.system)
        let greeter = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: a.system)
        // A deadline far away: a failure now is the declaration's, not the deadline's.
        let pending = Task { try await withCallOptions(timeout: .seconds(30)) { try await gated.appendWhenOpen(1) } }
        #expect(await eventually { b.system.counters.value(.callsReceived) == 1 })
        let dialsBefore = a.transport.peerTableCounters.value(.dialsStarted)
        let redialsBefore = a.transport.counters.value(.redials)

        a.system.declareDown(try NodeId("b"), generation: b.generation)
        let pendingFailure = await Self.failure { try await pending.value }
        #expect(pendingFailure?.code == .nodeDown, "\(String(describing: pendingFailure))")
        let newCallFailure = await Self.failure { _ = try await greeter.greet(Greeting(name: "x", times: 1)) }
        #expect(newCallFailure?.code == .nodeDown, "\(String(describing: newCallFailure))")

        // b still runs and redials a (with backoff); by its second refused hello a's own first
        // redial (after `reconnectBackoffMin`) would long have happened.
        #expect(await eventually { a.transport.peerTableCounters.value(.declaredDownRefusals) >= 2 })
        #expect(a.transport.peerTableCounters.value(.dialsStarted) == dialsBefore)
        #expect(a.transport.counters.value(.redials) == redialsBefore)
        #expect(!a.connectedPeers.contains { $0.name.name == "b" })
        gate.open()
        await cluster.shutdown()
    }

    @Test func aNewerGenerationOfANodeDeclaredDownIsAcceptedAndTheOldOneIsNot() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        let a = cluster["a"]
        let oldGeneration = cluster["b"].generation
        a.system.declareDown(try NodeId("b"), generation: oldGeneration)
        await cluster["b"].leave()
        #expect(await eventually { a.connectedPeers.isEmpty })

        let zombie = Claimant(node: "b", generation: oldGeneration, joining: a.advertisedAddress!)
        #expect(await eventually { zombie.transport.counters.value(.handshakeFailures) >= 1 })
        #expect(zombie.transport.connectedPeers.isEmpty)
        zombie.shutdown()

        var configuration = FabricNodeConfiguration(
            name: try NodeId("b"), listen: try NodeAddress(host: "127.0.0.1", port: 0), seeds: [a.advertisedAddress!])
        configuration.cluster = "test"
        configuration.loopCount = 1
        let restarted = try FabricNode(configuration)
        _ = try restarted.system.make(name: "greeter") { Greeter(actorSystem: restarted.system) }
        #expect(restarted.generation != oldGeneration)
        #expect(await eventually { a.connectedPeers.contains { $0.name.name == "b" && $0.generation == restarted.generation } })
        let greeter = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: a.system)
        #expect(try await greeter.greet(Greeting(name: "again", times: 1)) == ["hello again"])
        await restarted.leave()
        await cluster.shutdown()
    }
}
