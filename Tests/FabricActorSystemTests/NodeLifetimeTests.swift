import Testing
import FabricTestKit
@testable import Fabric
@testable import FabricActorSystem

/// A node that has left, and that nothing references any more, takes its actor system with it:
/// no cycle keeps the system, its transport or its loops' objects alive.
@Suite(.serialized) struct NodeLifetimeTests {
    /// Polls `condition` for up to 30 seconds (a safety bound on a wait, not a timing).
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<3000 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func aNodeThatLeftFreesItsSystem() async throws {
        weak var systemA: FabricActorSystem?
        weak var systemB: FabricActorSystem?
        weak var transportB: AnyObject?
        do {
            let cluster = try await LocalCluster.start(names: ["a", "b"])
            let a = cluster["a"].system, b = cluster["b"].system
            systemA = a
            systemB = b
            transportB = cluster["b"].transport
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let greeter = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: a)
            // Calls in both directions, an actor reference as an argument (coded through the
            // system in the coders' userInfo), one-way calls.
            #expect(try await greeter.greet(Greeting(name: "x", times: 1)) == ["hello x"])
            let local = Greeter(actorSystem: a)
            #expect(try await greeter.askBack(local, name: "y") == ["hello y"])
            try await withCallOptions(oneWay: true) { try await greeter.append(1) }
            #expect(try await greeter.appended() == [1])
            await cluster.shutdown()
        }
        #expect(await Self.eventually { systemA == nil && systemB == nil && transportB == nil })
    }

    @Test func aNodeDroppedWithoutLeavingFreesItsSystem() async throws {
        weak var system: FabricActorSystem?
        do {
            let node = try FabricNode(FabricNodeConfiguration(name: NodeId("solo"), listen: NodeAddress(host: "127.0.0.1", port: 0)))
            system = node.system
            _ = try node.system.make(name: "greeter") { Greeter(actorSystem: node.system) }
        }
        #expect(await Self.eventually { system == nil })
    }
}
