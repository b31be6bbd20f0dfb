import Testing
import FabricTestKit
@testable import Fabric
@testable import FabricActorSystem

/// The cached-signature path (`TargetInvoker`) and the standard library's
/// `executeDistributedTarget` must give the same results for the same calls.
@Suite(.serialized) struct TargetInvokerTests {
    /// Every outcome a call can have, as text to compare.
    static func outcomes(_ remote: Greeter) async -> [String] {
        var results: [String] = []
        func record(_ body: () async throws -> String) async {
            do { results.append("value \(try await body())") } catch { results.append("error \(error)") }
        }
        await record { "\(try await remote.greet(Greeting(name: "Ada", times: 2)))" }
        await record { "\(try await remote.greet(Greeting(name: "x", times: -1)))" }
        await record { "\(try await remote.greet(Greeting(name: "x", times: 5000)))" }
        await record { try await remote.append(7); return "void" }
        await record { "\(try await remote.appended())" }
        await record { "\(try await remote.identity("generic falls back"))" }
        await record { "\(try await remote.slow(milliseconds: 1))" }
        return results
    }

    @Test func cachedAndPublicPathsAgree() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        try await cluster.shuttingDown {
            let a = cluster["a"].system, b = cluster["b"].system
            for system in [a, b] { system.registerError(GreetingRefused.self) }
            try b.make(name: "cached") { Greeter(actorSystem: b) }
            try b.make(name: "public") { Greeter(actorSystem: b) }
            let cached = try Greeter.resolve(id: .wellKnown("cached", on: NodeId("b")), using: a)
            let viaPublic = try Greeter.resolve(id: .wellKnown("public", on: NodeId("b")), using: a)

            b.usesCachedTargets = true
            let fast = await Self.outcomes(cached)
            b.usesCachedTargets = false
            let slow = await Self.outcomes(viaPublic)
            b.usesCachedTargets = true

            #expect(fast == slow)
            #expect(fast.count == 7)
            #expect(fast[0] == "value [\"hello Ada\", \"hello Ada\"]")
            #expect(fast[3] == "value void")
            #expect(fast[4] == "value [7]")
            // Non-generic targets were resolved once and cached; the generic one was not.
            let greet = try #require(b.invoker.cachedTargetCount)
            #expect(greet >= 4)
        }
    }
}
