import Distributed
import Testing
import FabricTestKit
import FabricWire
@testable import Fabric
@testable import FabricActorSystem

/// A client that knows only the protocol calls through the stub the `@Resolvable` macro makes.
@Resolvable
protocol Welcoming: DistributedActor where ActorSystem == FabricActorSystem {
    distributed func welcome(_ greeting: Greeting) async throws -> [String]
    distributed func remember(_ value: Int)
    distributed func remembered() -> [Int]
}

/// A generic requirement: refused through a stub (Swift 6.3.1's accessor crashes on them).
@Resolvable
protocol Mirroring: DistributedActor where ActorSystem == FabricActorSystem {
    distributed func mirror<T: Codable & Sendable>(_ value: T) -> T
}

distributed actor WelcomeDesk: Welcoming, Mirroring {
    typealias ActorSystem = FabricActorSystem
    private var values: [Int] = []

    distributed func welcome(_ greeting: Greeting) throws -> [String] {
        guard greeting.times >= 0 else { throw GreetingRefused(reason: "negative times") }
        return Array(repeating: "welcome \(greeting.name)", count: greeting.times)
    }

    distributed func remember(_ value: Int) { values.append(value) }

    distributed func remembered() -> [Int] { values }

    distributed func mirror<T: Codable & Sendable>(_ value: T) -> T { value }
}

@Suite(.serialized) struct ResolvableProtocolTests {
    static func start() async throws -> (LocalCluster, any Welcoming) {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        let b = cluster["b"].system
        _ = try b.make(name: "desk") { WelcomeDesk(actorSystem: b) }
        cluster["a"].system.registerError(GreetingRefused.self)
        b.registerError(GreetingRefused.self)
        let desk: any Welcoming = try $Welcoming.resolve(
            id: .wellKnown("desk", on: NodeId("b")), using: cluster["a"].system)
        return (cluster, desk)
    }

    @Test func callsThroughTheProtocolReachTheActor() async throws {
        let (cluster, desk) = try await Self.start()
        try await cluster.shuttingDown {
            #expect(try await desk.welcome(Greeting(name: "ada", times: 2)) == ["welcome ada", "welcome ada"])
            await #expect(throws: GreetingRefused(reason: "negative times")) {
                try await desk.welcome(Greeting(name: "x", times: -1))
            }
            try await desk.remember(1)
            try await withCallOptions(oneWay: true) { try await desk.remember(2) }
            try await desk.remember(3)
            #expect(try await desk.remembered() == [1, 2, 3])
            #expect(cluster["b"].system.counters.value(.rejectedTargets) == 0)
        }
    }

    @Test func aStubsTargetOnAnActorThatDoesNotConformIsRefused() async throws {
        let (cluster, desk) = try await Self.start()
        try await cluster.shuttingDown {
            let a = cluster["a"].system, b = cluster["b"].system
            let log = TargetIdentifierLog()
            _ = try await FabricActorSystem.recordingTargets(in: log) { try await desk.remembered() }
            let target = try #require(log.identifiers.withLock { $0.first })
            _ = try b.make(name: "bystander") { Bystander(actorSystem: b) }
            // Sent to an actor whose type does not conform, the runtime's accessor would trap.
            for substitutions in [[], ["x"], ["x", "y"]] {
                let reply = try await a.rawCall(
                    .wellKnown("bystander", on: NodeId("b")), target: target, genericSubstitutions: substitutions,
                    arguments: [])
                guard case .failure(let failure) = reply else {
                    Issue.record("a Welcoming requirement ran on a Bystander: \(reply)")
                    continue
                }
                #expect(failure.code == .serialization)
            }
            // On the conforming actor, the call needs exactly the one substitution the stub sends.
            for substitutions in [[], ["x", "y"]] {
                let reply = try await a.rawCall(
                    .wellKnown("desk", on: NodeId("b")), target: target, genericSubstitutions: substitutions, arguments: [])
                guard case .failure(let failure) = reply else {
                    Issue.record("ran with \(substitutions.count) substitutions: \(reply)")
                    continue
                }
                #expect(failure.code == .serialization)
            }
            let reply = try await a.rawCall(
                .wellKnown("desk", on: NodeId("b")), target: target, genericSubstitutions: ["any name at all"], arguments: [])
            guard case .value = reply else {
                Issue.record("the requirement with one substitution failed: \(reply)")
                return
            }
            #expect(try await desk.remembered() == [])
        }
    }

    @Test func aStubForALocalActorCallsItWithoutAConnection() async throws {
        let (cluster, _) = try await Self.start()
        try await cluster.shuttingDown {
            let b = cluster["b"].system
            let local: any Welcoming = try $Welcoming.resolve(id: .wellKnown("desk", on: NodeId("b")), using: b)
            #expect(try await local.welcome(Greeting(name: "bo", times: 1)) == ["welcome bo"])
            await #expect(throws: GreetingRefused(reason: "negative times")) {
                try await local.welcome(Greeting(name: "x", times: -1))
            }
            try await withCallOptions(oneWay: true) { try await local.remember(4) }
            #expect(try await local.remembered() == [4])
            #expect(b.counters.value(.callsSent) == 0)
            // Not there: the same error as resolving the concrete type.
            #expect {
                _ = try $Welcoming.resolve(id: .wellKnown("nobody", on: NodeId("b")), using: b)
            } throws: { error in
                (error as? FabricError)?.code == .actorNotFound
            }
        }
    }

    @Test func genericRequirementsThroughAStubAreRefused() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        try await cluster.shuttingDown {
            let b = cluster["b"].system
            _ = try b.make(name: "desk") { WelcomeDesk(actorSystem: b) }
            let mirror: any Mirroring = try $Mirroring.resolve(
                id: .wellKnown("desk", on: NodeId("b")), using: cluster["a"].system)
            await #expect {
                _ = try await mirror.mirror(5)
            } throws: { error in
                (error as? FabricError)?.code == .serialization
            }
            // The node is still there, and the concrete type's own generic method works.
            let concrete = try WelcomeDesk.resolve(id: .wellKnown("desk", on: NodeId("b")), using: cluster["a"].system)
            #expect(try await concrete.mirror(6) == 6)
        }
    }

    /// The runtime's record of a non-generic requirement has one constrained parameter (`Self`);
    /// a generic requirement's has two, so the shape check refuses it on its own, whatever its
    /// name looks like.
    @Test func recordShapesOfRequirements() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        try await cluster.shuttingDown {
            let b = cluster["b"].system
            _ = try b.make(name: "desk") { WelcomeDesk(actorSystem: b) }
            let a = cluster["a"].system
            let welcoming: any Welcoming = try $Welcoming.resolve(id: .wellKnown("desk", on: NodeId("b")), using: a)
            let mirroring: any Mirroring = try $Mirroring.resolve(id: .wellKnown("desk", on: NodeId("b")), using: a)
            let log = TargetIdentifierLog()
            _ = try await FabricActorSystem.recordingTargets(in: log) { try await welcoming.remembered() }
            _ = try? await FabricActorSystem.recordingTargets(in: log) { try await mirroring.mirror(1) }
            let targets = log.identifiers.withLock { $0 }
            try #require(targets.count == 2)
            func environment(_ target: String) throws -> UnsafeRawPointer {
                var target = target
                return try #require(target.withUTF8 { _getGenericEnvironmentOfDistributedTarget($0.baseAddress!, UInt($0.count)) })
            }
            #expect(TargetValidator.hasOneConstrainedParameter(try environment(targets[0])))
            #expect(!TargetValidator.hasOneConstrainedParameter(try environment(targets[1])))
            // Synthetic descriptors: flags (levels | requirements << 12), then the parameter count.
            func shape(levels: UInt32, requirements: UInt32, parameters: UInt16) -> Bool {
                var bytes = [UInt8](repeating: 0, count: 8)
                bytes.withUnsafeMutableBytes { raw in
                    raw.storeBytes(of: levels | requirements << 12, toByteOffset: 0, as: UInt32.self)
                    raw.storeBytes(of: parameters, toByteOffset: 4, as: UInt16.self)
                }
                return bytes.withUnsafeBytes { TargetValidator.hasOneConstrainedParameter($0.baseAddress!) }
            }
            #expect(shape(levels: 1, requirements: 1, parameters: 1))
            #expect(!shape(levels: 1, requirements: 0, parameters: 1))
            #expect(!shape(levels: 1, requirements: 2, parameters: 2))
            #expect(!shape(levels: 2, requirements: 1, parameters: 1))
        }
    }

    @Test func validatorVerdicts() {
        #expect(TargetValidator.isStubRequirement("Mod.$Proto.method(name: Swift.String) async throws -> Swift.String"))
        #expect(!TargetValidator.isStubRequirement("Mod.$Proto.method<A where A: Swift.Decodable>(A) -> A"))
        #expect(!TargetValidator.isStubRequirement("Mod.Proto.method(name: Swift.String) -> ()"))
        #expect(!TargetValidator.isStubRequirement("Mod.$Proto.Inner.method() -> ()"))
        #expect(!TargetValidator.isStubRequirement("(extension in Mod):Mod.$Proto.method() -> ()"))
        #expect(!TargetValidator.isStubRequirement("Mod.$.method() -> ()"))
        // A stub's shape whose runtime record does not exist is refused.
        #expect(TargetValidator.check(target: "$s3Mod6$ProtoC6methodyyYaKFTE", for: WelcomeDesk.self) == .refused)
    }
}
