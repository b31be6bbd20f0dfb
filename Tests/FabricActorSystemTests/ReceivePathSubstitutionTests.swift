import Testing
import FabricTestKit
import FabricWire
@testable import Fabric
@testable import FabricActorSystem

/// Hostile generic substitutions and argument lists (issue 14): each must come back as
/// `serialization`, never run, and leave the node serving.
@Suite(.serialized) struct ReceivePathSubstitutionTests {
    static let int = TypeRegistry.wireName(of: Int.self)!
    static let string = TypeRegistry.wireName(of: String.self)!

    /// Two nodes; `b` has a `Pairing` named "pairing", a `Box<Int>` "box-int" holding 7 and a
    /// `Box<String>` "box-string" holding "s".
    static func start() async throws -> LocalCluster {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        let b = cluster["b"].system
        _ = try b.make(name: "pairing") { Pairing(actorSystem: b) }
        _ = try b.make(name: "box-int") { Box(actorSystem: b, value: 7) }
        _ = try b.make(name: "box-string") { Box(actorSystem: b, value: "s") }
        b.register(Opaque.self)
        return cluster
    }

    /// The identifier of the one remote call `body` makes.
    static func identifier(_ body: () async throws -> Void) async throws -> String {
        let log = TargetIdentifierLog()
        try await FabricActorSystem.recordingTargets(in: log) { try await body() }
        return try #require(log.identifiers.withLock { $0.last })
    }

    static func encoded<V: Encodable>(_ value: V) throws -> [UInt8] { try BinaryEncoder().encode(value) }

    /// Records an issue unless `reply` is a `serialization` failure; returns its message.
    @discardableResult
    static func expectRefused(
        _ reply: ReplyEnvelope, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) -> String? {
        guard case .failure(let failure) = reply else {
            Issue.record("\(what) ran: \(reply)", sourceLocation: sourceLocation)
            return nil
        }
        #expect(failure.code == .serialization, "\(what): \(failure.message)", sourceLocation: sourceLocation)
        return failure.message
    }

    /// The node still answers ordinary calls, generic ones and a generic actor's included.
    static func expectServing(_ cluster: LocalCluster) async throws {
        let a = cluster["a"].system
        let pairing = try Pairing.resolve(id: .wellKnown("pairing", on: NodeId("b")), using: a)
        #expect(try await pairing.both(1, "x") == "1 x")
        let box = try Box<Int>.resolve(id: .wellKnown("box-int", on: NodeId("b")), using: a)
        #expect(try await box.get() == 7)
        #expect(try await box.kind() == "Int")
    }

    @Test func tooFewSubstitutionsAreRefused() async throws {
        let cluster = try await Self.start()
        try await cluster.shuttingDown {
            let a = cluster["a"].system
            let pairing = try Pairing.resolve(id: .wellKnown("pairing", on: NodeId("b")), using: a)
            let both = try await Self.identifier { _ = try await pairing.both(1, 2) }
            let one = try await Self.identifier { _ = try await pairing.one(1) }
            let arguments = [try Self.encoded(1), try Self.encoded(2)]
            // One substitution for two parameters: the runtime reads the second past the end of the
            // list (without the count check it refused, by luck, whatever the memory after it held
            // not satisfying `Codable`), so the refusal must be the count check's.
            let short = Self.expectRefused(
                try await a.rawCall(.wellKnown("pairing", on: NodeId("b")), target: both, genericSubstitutions: [Self.int], arguments: arguments),
                "both<A, B> with one substitution")
            #expect(short?.contains("takes 2 generic substitutions, the call carries 1") == true, "\(short ?? "")")
            let none = Self.expectRefused(
                try await a.rawCall(.wellKnown("pairing", on: NodeId("b")), target: one, arguments: [try Self.encoded(1)]),
                "one<A> with no substitution")
            #expect(none?.contains("takes 1 generic substitutions, the call carries 0") == true, "\(none ?? "")")
            try await Self.expectServing(cluster)
        }
    }

    @Test func tooManySubstitutionsAreRefused() async throws {
        let cluster = try await Self.start()
        try await cluster.shuttingDown {
            let a = cluster["a"].system
            let pairing = try Pairing.resolve(id: .wellKnown("pairing", on: NodeId("b")), using: a)
            let both = try await Self.identifier { _ = try await pairing.both(1, 2) }
            let one = try await Self.identifier { _ = try await pairing.one(1) }
            let append = try await Self.identifier { try await pairing.append(1) }
            let pairingID = try ActorID.wellKnown("pairing", on: NodeId("b"))
            let one1 = [try Self.encoded(1)]
            Self.expectRefused(
                try await a.rawCall(pairingID, target: one, genericSubstitutions: [Self.int, Self.int], arguments: one1),
                "one<A> with two substitutions")
            Self.expectRefused(
                try await a.rawCall(
                    pairingID, target: both, genericSubstitutions: [Self.int, Self.int, Self.string],
                    arguments: [try Self.encoded(1), try Self.encoded(2)]),
                "both<A, B> with three substitutions")
            // A non-generic target takes none.
            Self.expectRefused(
                try await a.rawCall(pairingID, target: append, genericSubstitutions: [Self.int], arguments: [try Self.encoded(5)]),
                "append with a substitution")
            #expect(try await pairing.appended() == [1])
            try await Self.expectServing(cluster)
        }
    }

    @Test func substitutionsThatDoNotSatisfyTheTargetAreRefusedBeforeTheRuntime() async throws {
        let cluster = try await Self.start()
        try await cluster.shuttingDown {
            let a = cluster["a"].system
            let pairing = try Pairing.resolve(id: .wellKnown("pairing", on: NodeId("b")), using: a)
            let one = try await Self.identifier { _ = try await pairing.one(1) }
            let opaque = try #require(TypeRegistry.wireName(of: Opaque.self))
            let message = Self.expectRefused(
                try await a.rawCall(
                    .wellKnown("pairing", on: NodeId("b")), target: one, genericSubstitutions: [opaque],
                    arguments: [try Self.encoded(1)]),
                "one<A: Codable> with a type that is not Codable")
            // Refused by the receive path's own check, not by the runtime's (which would say it
            // could not run the target).
            #expect(message?.contains("do not satisfy the target's requirements") == true, "\(message ?? "")")
            try await Self.expectServing(cluster)
        }
    }

    @Test func anotherInstantiationsTargetIsRefusedOnAGenericActor() async throws {
        let cluster = try await Self.start()
        try await cluster.shuttingDown {
            let a = cluster["a"].system, b = cluster["b"].system
            let boxString = try Box<String>.resolve(id: .wellKnown("box-string", on: NodeId("b")), using: a)
            #expect(try await boxString.kind() == "String")
            let kind = try await Self.identifier { _ = try await boxString.kind() }
            let echo = try await Self.identifier { _ = try await boxString.echo("e") }
            // Refused on any Box (see `genericMethodsOfAGenericActorAreRefused`), but its identifier is sent.
            let pair = try await Self.identifier { _ = try? await boxString.pair(1) }
            let boxInt = try ActorID.wellKnown("box-int", on: NodeId("b"))
            let rejectedBefore = b.counters.value(.rejectedTargets)
            // Box<String>'s calls, as a Box<String> proxy sends them, to a Box<Int>.
            Self.expectRefused(
                try await a.rawCall(boxInt, target: kind, genericSubstitutions: [Self.string], arguments: []),
                "Box<String>.kind on a Box<Int>")
            Self.expectRefused(
                try await a.rawCall(
                    boxInt, target: echo, genericSubstitutions: [Self.string], arguments: [try Self.encoded("e")]),
                "Box<String>.echo on a Box<Int>")
            Self.expectRefused(
                try await a.rawCall(
                    boxInt, target: pair, genericSubstitutions: [Self.string, Self.int], arguments: [try Self.encoded(1)]),
                "Box<String>.pair<Int> on a Box<Int>")
            // The type's parameter missing or doubled.
            Self.expectRefused(
                try await a.rawCall(boxInt, target: kind, arguments: []), "Box.kind without a substitution")
            Self.expectRefused(
                try await a.rawCall(boxInt, target: kind, genericSubstitutions: [Self.int, Self.int], arguments: []),
                "Box.kind with two substitutions")
            Self.expectRefused(
                try await a.rawCall(boxInt, target: pair, genericSubstitutions: [Self.int], arguments: [try Self.encoded(1)]),
                "Box.pair without the method's substitution")
            #expect(b.counters.value(.rejectedTargets) == rejectedBefore + 6)
            // With the instance's own argument, the same identifiers run.
            let own = try await a.rawCall(boxInt, target: kind, genericSubstitutions: [Self.int], arguments: [])
            guard case .value(let bytes) = own else {
                Issue.record("Box<Int>.kind with Int failed: \(own)")
                return
            }
            #expect(try BinaryDecoder().decode(String.self, from: bytes) == "Int")
            try await Self.expectServing(cluster)
            #expect(try await boxString.get() == "s")
        }
    }

    @Test func aGenericActorInAGenericTypeTakesBothArgumentsFromTheInstance() async throws {
        let cluster = try await Self.start()
        try await cluster.shuttingDown {
            let a = cluster["a"].system, b = cluster["b"].system
            _ = try b.make(name: "slot") { Shelf<Double>.Slot<String>(actorSystem: b) }
            let slot = try Shelf<Double>.Slot<String>.resolve(id: .wellKnown("slot", on: NodeId("b")), using: a)
            #expect(try await slot.kind() == "Double String")
            let kind = try await Self.identifier { _ = try await slot.kind() }
            let double = try #require(TypeRegistry.wireName(of: Double.self))
            let slotID = try ActorID.wellKnown("slot", on: NodeId("b"))
            for substitutions in [[Self.int, Self.string], [double, Self.int], [Self.string], [double, Self.string, Self.int]] {
                Self.expectRefused(
                    try await a.rawCall(slotID, target: kind, genericSubstitutions: substitutions, arguments: []),
                    "Slot.kind with \(substitutions)")
            }
            try await Self.expectServing(cluster)
            #expect(try await slot.kind() == "Double String")
        }
    }

    @Test func genericMethodsOfAGenericActorAreRefused() async throws {
        let cluster = try await Self.start()
        try await cluster.shuttingDown {
            let box = try Box<Int>.resolve(id: .wellKnown("box-int", on: NodeId("b")), using: cluster["a"].system)
            // Through a proxy, with the substitutions it sends ([Int, String]): the runtime would
            // run the method with U == Int.
            await #expect {
                _ = try await box.pair("y")
            } throws: { error in
                (error as? FabricError)?.code == .serialization
            }
            try await Self.expectServing(cluster)
        }
    }

    @Test func anArgumentTooManyIsRefusedAndNeverRuns() async throws {
        let cluster = try await Self.start()
        try await cluster.shuttingDown {
            let a = cluster["a"].system
            let pairing = try Pairing.resolve(id: .wellKnown("pairing", on: NodeId("b")), using: a)
            let append = try await Self.identifier { try await pairing.append(1) }
            let appended = try await Self.identifier { _ = try await pairing.appended() }
            let one = try await Self.identifier { _ = try await pairing.one(1) }
            let pairingID = try ActorID.wellKnown("pairing", on: NodeId("b"))
            Self.expectRefused(
                try await a.rawCall(pairingID, target: append, arguments: [try Self.encoded(2), try Self.encoded(3)]),
                "append with two arguments")
            Self.expectRefused(
                try await a.rawCall(pairingID, target: appended, arguments: [[0]]), "appended with an argument")
            Self.expectRefused(
                try await a.rawCall(
                    pairingID, target: one, genericSubstitutions: [Self.int],
                    arguments: [try Self.encoded(1), try Self.encoded(1)]),
                "one<Int> with two arguments")
            Self.expectRefused(
                try await a.rawCall(pairingID, target: append, arguments: []), "append without its argument")
            // Only the call made above through the proxy ran.
            #expect(try await pairing.appended() == [1])
            try await Self.expectServing(cluster)
        }
    }

    @Test func trailingBytesAreRefused() async throws {
        let cluster = try await Self.start()
        try await cluster.shuttingDown {
            let a = cluster["a"].system
            let pairing = try Pairing.resolve(id: .wellKnown("pairing", on: NodeId("b")), using: a)
            let append = try await Self.identifier { try await pairing.append(1) }
            let pairingID = try ActorID.wellKnown("pairing", on: NodeId("b"))
            // Bytes after the last argument's value, inside its length.
            Self.expectRefused(
                try await a.rawCall(pairingID, target: append, arguments: [try Self.encoded(2) + [0]]),
                "append with a byte after its Int")
            // Bytes after the envelope's last argument.
            Self.expectRefused(
                try await a.rawCall(pairingID, target: append, arguments: [try Self.encoded(3)], trailingBytes: [0, 0, 0, 1, 9]),
                "append with bytes after the arguments")
            #expect(try await pairing.appended() == [1])
            try await Self.expectServing(cluster)
        }
    }
}
