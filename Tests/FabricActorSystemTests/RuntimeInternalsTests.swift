import Distributed
import Testing
import FabricTestKit
@testable import Fabric
@testable import FabricActorSystem

/// The receive path leans on underscored runtime API whose layout and meaning no toolchain
/// promises: `_getGenericEnvironmentOfDistributedTarget` and the layout of the descriptor it
/// returns (`GenericEnvironment`, `TargetValidator.hasOneConstrainedParameter`),
/// `_getWitnessTablesFor`, `__getParameterCount`, `swift_getTypeContextDescriptor` with a class
/// descriptor's flags and generic header, and `_swift_instantiateCheckedGenericMetadata`
/// (`GenericActorType`). This test holds each to what the receive path assumes on targets whose
/// shape is known, so a toolchain that changed one fails here rather than in a hostile call.
///
/// `swift_distributed_execute_target` (`TargetInvoker`) is held to the public
/// `executeDistributedTarget` by `TargetInvokerTests.cachedAndPublicPathsAgree`, which runs the
/// same calls through both and compares every outcome; the record shape of a `@Resolvable`
/// requirement by `ResolvableProtocolTests.recordShapesOfRequirements`.
@Suite(.serialized) struct RuntimeInternalsTests {
    static func environment(_ target: String) -> GenericEnvironment? {
        switch GenericEnvironment.of(target: target) {
        case .generic(let environment): environment
        case .nonGeneric, .unsupported: nil
        }
    }

    static func parameterCount(_ target: String) -> Int32 {
        var target = target
        return target.withUTF8 { __getParameterCount($0.baseAddress!, UInt($0.count)) }
    }

    @Test func runtimeInternalsMeanWhatTheReceivePathAssumes() async throws {
        let cluster = try await LocalCluster.start(names: ["a", "b"])
        try await cluster.shuttingDown {
            let a = cluster["a"].system, b = cluster["b"].system
            _ = try b.make(name: "pairing") { Pairing(actorSystem: b) }
            _ = try b.make(name: "box") { Box(actorSystem: b, value: 7) }
            _ = try b.make(name: "slot") { Shelf<Double>.Slot<String>(actorSystem: b) }
            let pairing = try Pairing.resolve(id: .wellKnown("pairing", on: NodeId("b")), using: a)
            let box = try Box<Int>.resolve(id: .wellKnown("box", on: NodeId("b")), using: a)
            let slot = try Shelf<Double>.Slot<String>.resolve(id: .wellKnown("slot", on: NodeId("b")), using: a)
            let identifier = ReceivePathSubstitutionTests.identifier
            let append = try await identifier { try await pairing.append(1) }
            let one = try await identifier { _ = try await pairing.one(1) }
            let both = try await identifier { _ = try await pairing.both(1, "x") }
            let kind = try await identifier { _ = try await box.kind() }
            let pair = try await identifier { _ = try? await box.pair(1) }
            let slotKind = try await identifier { _ = try await slot.kind() }

            // Generic environments: none for a non-generic method; one level per depth of
            // genericity, cumulative counts, plain key type parameters, requirements counted.
            guard case .nonGeneric = GenericEnvironment.of(target: append) else {
                Issue.record("a non-generic method has a generic environment")
                return
            }
            let oneEnvironment = try #require(Self.environment(one))
            #expect(oneEnvironment.parameterCounts == [1])
            #expect(oneEnvironment.requirementCount >= 1)
            #expect(TargetValidator.hasOneConstrainedParameter(oneEnvironment.descriptor))
            let bothEnvironment = try #require(Self.environment(both))
            #expect(bothEnvironment.parameterCounts == [2])
            #expect(bothEnvironment.requirementCount >= 2)
            #expect(!TargetValidator.hasOneConstrainedParameter(bothEnvironment.descriptor))
            #expect(try #require(Self.environment(kind)).parameterCounts == [1])
            #expect(try #require(Self.environment(pair)).parameterCounts == [1, 2])
            #expect(try #require(Self.environment(slotKind)).parameterCounts == [1, 2])

            // `_getWitnessTablesFor`: the requirements hold for Codable types, not for others.
            #expect(oneEnvironment.accepts([Int.self]))
            #expect(!oneEnvironment.accepts([Opaque.self]))
            #expect(bothEnvironment.accepts([Int.self, String.self]))
            #expect(!bothEnvironment.accepts([Int.self, Opaque.self]))

            // Parameter counts from the mangled names.
            #expect(Self.parameterCount(append) == 1)
            #expect(Self.parameterCount(both) == 2)
            #expect(Self.parameterCount(kind) == 0)

            // A generic actor type's own parameters, its enclosing types' included, and the runtime
            // building the type from them (requirements checked).
            #expect(GenericActorType.parameterCount(of: Pairing.self) == 0)
            #expect(GenericActorType.parameterCount(of: Box<Int>.self) == 1)
            #expect(GenericActorType.parameterCount(of: Shelf<Double>.Slot<String>.self) == 2)
            #expect(GenericActorType.parameterCount(of: Int.self) == nil)
            #expect(GenericActorType.isType(Box<Int>.self, instantiatedWith: [Int.self]))
            #expect(!GenericActorType.isType(Box<Int>.self, instantiatedWith: [String.self]))
            #expect(!GenericActorType.isType(Box<Int>.self, instantiatedWith: [Opaque.self]))
            #expect(GenericActorType.isType(Shelf<Double>.Slot<String>.self, instantiatedWith: [Double.self, String.self]))
            #expect(!GenericActorType.isType(Shelf<Double>.Slot<String>.self, instantiatedWith: [String.self, Double.self]))
            #expect(!GenericActorType.isType(Pairing.self, instantiatedWith: [Int.self]))

            // What the receive path makes of them.
            let kindShape = try #require(TargetShape.of(target: kind, actorType: Box<Int>.self, verdict: .ownMethod))
            #expect(kindShape.actorParameterCount == 1)
            #expect(kindShape.parameterCount == 0)
            #expect(TargetShape.of(target: pair, actorType: Box<Int>.self, verdict: .ownMethod) == nil)
            #expect(try #require(TargetShape.of(target: both, actorType: Pairing.self, verdict: .ownMethod)).actorParameterCount == 0)
        }
    }
}
