import Distributed
import FabricCore
import FabricWire

/// Records a remote call: generic substitutions by name, arguments with the binary coder.
/// Return and error types are not sent: the receiver learns them from the target itself.
public struct FabricInvocationEncoder: DistributedTargetInvocationEncoder {
    public typealias SerializationRequirement = Codable

    let system: FabricActorSystem
    var genericSubstitutions: [String] = []
    /// The arguments, encoded as the envelope carries them, into an array a connection has
    /// framed and given back (`PayloadBufferPool`).
    var arguments: CallArguments

    init(system: FabricActorSystem) {
        self.system = system
        self.arguments = CallArguments(buffer: system.transport.payloadBuffers.take())
    }

    public mutating func recordGenericSubstitution<T>(_ type: T.Type) throws {
        guard genericSubstitutions.count < Limits.genericSubstitutionsMax else {
            throw FabricError.serialization("more than \(Limits.genericSubstitutionsMax) generic substitutions")
        }
        // The sender knows the type, so it may resolve it when the same name comes back.
        guard let name = system.types.register(T.self) else {
            throw FabricError.serialization("\(T.self) has no mangled name to send")
        }
        genericSubstitutions.append(name)
    }

    public mutating func recordArgument<Value: Codable>(_ argument: RemoteCallArgument<Value>) throws {
        let encoder = system.binaryEncoder
        do {
            try arguments.append { bytes in try encoder.encode(argument.value, into: &bytes) }
        } catch {
            throw FabricError.serialization("cannot encode argument \(argument.label ?? argument.effectiveLabel) of type \(Value.self): \(error)")
        }
    }

    public mutating func recordErrorType<E: Error>(_ type: E.Type) throws {}

    public mutating func recordReturnType<R: Codable>(_ type: R.Type) throws {}

    public mutating func doneRecording() throws {}
}

/// Reads a received call's generic substitutions (through the local type registry only) and
/// decodes its arguments one by one, as the runtime asks for them.
public struct FabricInvocationDecoder: DistributedTargetInvocationDecoder, Sendable {
    public typealias SerializationRequirement = Codable

    let system: FabricActorSystem
    private let genericSubstitutions: [String]
    private let arguments: ArgumentSlices
    private var nextArgument = 0
    /// Set for a `@Resolvable` protocol's requirement: the recipient's type, which stands for
    /// the one substitution (`Self`) the stub recorded (`TargetValidator` checked the conformance).
    private let recipientType: (any Any.Type)?

    init(system: FabricActorSystem, envelope: borrowing CallEnvelope, recipientType: (any Any.Type)? = nil) {
        self.system = system
        self.genericSubstitutions = envelope.genericSubstitutions
        self.arguments = envelope.arguments
        self.recipientType = recipientType
    }

    public mutating func decodeGenericSubstitutions() throws -> [any Any.Type] {
        if let recipientType { return [recipientType] }
        return try genericSubstitutions.map { name in
            guard let type = system.types.type(named: name) else {
                throw FabricError.serialization("unknown generic substitution type (\(name.utf8.count) bytes); register it with FabricActorSystem.register(_:)")
            }
            return type
        }
    }

    public mutating func decodeNextArgument<Argument: Codable>() throws -> Argument {
        guard nextArgument < arguments.count else {
            throw FabricError.serialization("the call carries \(arguments.count) arguments, the target takes more")
        }
        let bytes = arguments[nextArgument]
        nextArgument += 1
        do {
            return try system.binaryDecoder.decode(Argument.self, from: bytes)
        } catch {
            throw FabricError.serialization("cannot decode argument \(nextArgument) as \(Argument.self): \(error)")
        }
    }

    public mutating func decodeErrorType() throws -> (any Any.Type)? { nil }

    public mutating func decodeReturnType() throws -> (any Any.Type)? { nil }

    /// Whether every argument the call carried was used (a mismatch means a different target).
    var consumedAllArguments: Bool { nextArgument == arguments.count }
}
