import Distributed
import FabricCore
import FabricWire

/// Records a remote call: generic substitutions by name, arguments with the binary coder.
/// Return and error types are not sent: the receiver learns them from the target itself.
public struct FabricInvocationEncoder: DistributedTargetInvocationEncoder {
    /// Arguments are `Codable` (the binary coder carries them).
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

    /// Records a generic argument of the call by its registered name.
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

    /// Encodes one argument with the binary coder.
    public mutating func recordArgument<Value: Codable>(_ argument: RemoteCallArgument<Value>) throws {
        let encoder = system.binaryEncoder
        do {
            try arguments.append { bytes in try encoder.encode(argument.value, into: &bytes) }
        } catch {
            throw FabricError.serialization("cannot encode argument \(argument.label ?? argument.effectiveLabel) of type \(Value.self): \(error)")
        }
    }

    /// Nothing: the error type is not sent.
    public mutating func recordErrorType<E: Error>(_ type: E.Type) throws {}

    /// Nothing: the return type is not sent.
    public mutating func recordReturnType<R: Codable>(_ type: R.Type) throws {}

    /// Nothing to finish.
    public mutating func doneRecording() throws {}
}

/// Hands the runtime a received call's generic substitutions (resolved and checked before the
/// call got here: `FabricActorSystem.admittedSubstitutions`) and decodes its arguments one by
/// one, as the runtime asks for them (their number was checked against the target's too).
public struct FabricInvocationDecoder: DistributedTargetInvocationDecoder, Sendable {
    /// Arguments are `Codable` (the binary coder carries them).
    public typealias SerializationRequirement = Codable

    let system: FabricActorSystem
    /// nil for a non-generic target; for a `@Resolvable` requirement, the recipient's type.
    private let substitutions: [any Any.Type]?
    private let arguments: ArgumentSlices
    private var nextArgument = 0

    init(system: FabricActorSystem, envelope: borrowing CallEnvelope, substitutions: [any Any.Type]?) {
        self.system = system
        self.substitutions = substitutions
        self.arguments = envelope.arguments
    }

    /// The call's generic arguments, looked up in the locally built type registry.
    public mutating func decodeGenericSubstitutions() throws -> [any Any.Type] {
        substitutions ?? []
    }

    /// Decodes the next argument with the binary coder.
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

    /// Nil: the error type is not sent.
    public mutating func decodeErrorType() throws -> (any Any.Type)? { nil }

    /// Nil: the return type is not sent.
    public mutating func decodeReturnType() throws -> (any Any.Type)? { nil }
}
