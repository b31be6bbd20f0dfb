import Testing
import FabricTestKit
import FabricWire
@testable import Fabric
@testable import FabricActorSystem

/// The receive path is an attack surface: a peer can send any target identifier, any type
/// names and any argument bytes. None of it may crash the node or run a method on the wrong
/// instance; all of it must come back as `serialization` (or `actorNotFound`).
@Suite(.serialized) struct ReceivePathTests {
    /// The target identifier of `Bystander.poke`, learned from a real call.
    static func pokeIdentifier(_ cluster: LocalCluster) async throws -> String {
        let b = cluster["b"].system
        _ = try b.make(name: "bystander") { Bystander(actorSystem: b) }
        let remote = try Bystander.resolve(id: .wellKnown("bystander", on: NodeId("b")), using: cluster["a"].system)
        let log = TargetIdentifierLog()
        let answer = try await FabricActorSystem.recordingTargets(in: log) { try await remote.poke() }
        #expect(answer == 42)
        return try #require(log.identifiers.withLock { $0.first })
    }

    @Test func anotherTypesTargetIsRefused() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        try await cluster.shuttingDown {
            let poke = try await Self.pokeIdentifier(cluster)
            let b = cluster["b"].system
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let reply = try await cluster["a"].system.rawCall(
                .wellKnown("greeter", on: NodeId("b")), target: poke, arguments: [])
            guard case .failure(let failure) = reply else {
                Issue.record("Bystander.poke ran on a Greeter: \(reply)")
                return
            }
            #expect(failure.code == .serialization)
            #expect(b.counters.value(.rejectedTargets) == 1)
            // The same target on its own type still works.
            let again = try await cluster["a"].system.rawCall(.wellKnown("bystander", on: NodeId("b")), target: poke, arguments: [])
            guard case .value = again else {
                Issue.record("poke on a Bystander failed: \(again)")
                return
            }
        }
    }

    @Test func validatorAcceptsOwnMethodsOnly() {
        #expect(TargetValidator.check(target: "$s5proto7GreeterC5greet4nameS2S_tYaKFTE", for: ProtoGreeterStandIn.self) == .refused)
        #expect(TargetValidator.check(target: "garbage", for: Greeter.self) == .refused)
        #expect(TargetValidator.check(target: "$sTE", for: Greeter.self) == .refused)
        #expect(TargetValidator.nonGenericName(of: [Int].self) == "Swift.Array")
    }

    @Test func fuzzedTargetsAndTypeNamesAreSerializationErrors() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        try await cluster.shuttingDown {
            _ = try await Self.pokeIdentifier(cluster)
            let a = cluster["a"].system, b = cluster["b"].system
            try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let greeter = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: a)
            let log = TargetIdentifierLog()
            _ = try await FabricActorSystem.recordingTargets(in: log) { try await greeter.identity(5) }
            let identity = try #require(log.identifiers.withLock { $0.first })
            let five = try BinaryEncoder().encode(5)
            var random = SeededRandom(seed: 0xFAB)
            for round in 0..<300 {
                let length = Int(random.next() % 120) + 1
                var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                if round % 3 == 0 { bytes = Array("$s".utf8) + bytes + Array("TE".utf8) }
                let junk = String(decoding: bytes, as: UTF8.self)
                // A generous deadline for each call (the default 5 s was once reached on a loaded
                // machine with tests in parallel); a reply that never comes still fails, naming
                // its round.
                let reply: ReplyEnvelope
                do {
                    reply = try await withCallOptions(timeout: .seconds(60)) {
                        if round % 2 == 0 {
                            // A made-up target identifier.
                            return try await a.rawCall(.wellKnown("bystander", on: NodeId("b")), target: junk, arguments: [])
                        }
                        // A real generic target with a made-up type name as its substitution.
                        return try await a.rawCall(
                            .wellKnown("greeter", on: NodeId("b")), target: identity, genericSubstitutions: [junk],
                            arguments: [five])
                    }
                } catch {
                    Issue.record("round \(round): \(error)")
                    continue
                }
                guard case .failure(let failure) = reply else {
                    Issue.record("round \(round) ran: \(reply)")
                    continue
                }
                #expect(failure.code == .serialization, "round \(round): \(failure.message)")
            }
            // The node still serves.
            let remote = try Bystander.resolve(id: .wellKnown("bystander", on: NodeId("b")), using: a)
            #expect(try await remote.poke() == 42)
            #expect(try await greeter.identity(6) == 6)
        }
    }

    @Test func wrongArgumentBytesAreSerializationErrors() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        try await cluster.shuttingDown {
            let b = cluster["b"].system
            _ = try b.make(name: "greeter") { Greeter(actorSystem: b) }
            let remote = try Greeter.resolve(id: .wellKnown("greeter", on: NodeId("b")), using: cluster["a"].system)
            let log = TargetIdentifierLog()
            _ = try await FabricActorSystem.recordingTargets(in: log) { try await remote.greet(Greeting(name: "x", times: 1)) }
            let greet = try #require(log.identifiers.withLock { $0.first })
            var random = SeededRandom(seed: 7)
            for round in 0..<200 {
                let count = Int(random.next() % 3)
                let arguments = (0..<count).map { _ in (0..<Int(random.next() % 40)).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
                let reply = try await cluster["a"].system.rawCall(.wellKnown("greeter", on: NodeId("b")), target: greet, arguments: arguments)
                if case .failure(let failure) = reply {
                    #expect(failure.code == .serialization || failure.code == .remoteError, "round \(round)")
                }
            }
            #expect(try await remote.greet(Greeting(name: "ok", times: 1)) == ["hello ok"])
        }
    }
}

/// A type whose name does not match the mangled identifier used above.
final class ProtoGreeterStandIn {}
