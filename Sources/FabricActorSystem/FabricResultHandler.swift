import Distributed
import FabricCore
import FabricTransport
import FabricWire

/// Sends a received call's outcome back on the connection it came from: the encoded value,
/// `void`, or a failure. For a one-way call nothing is sent; errors are counted and dropped.
/// A loopback call (`FabricActorSystem.callLocally`) has its reply kept instead of sent.
public struct FabricResultHandler: DistributedTargetInvocationResultHandler, Sendable {
    /// Results and errors are `Codable` (the binary coder carries them).
    public typealias SerializationRequirement = Codable

    let system: FabricActorSystem
    let destination: ReplyDestination
    let isOneWay: Bool

    init(system: FabricActorSystem, connection: Connection, callID: UInt64, isOneWay: Bool) {
        self.system = system
        destination = .connection(connection, callID: callID)
        self.isOneWay = isOneWay
    }

    init(system: FabricActorSystem, localReply: LocalReply, isOneWay: Bool) {
        self.system = system
        destination = .local(localReply)
        self.isOneWay = isOneWay
    }

    private func sendReply(_ writePayload: (inout [UInt8]) -> Void) {
        switch destination {
        case .connection(let connection, let callID):
            connection.sendReply(messageID: callID, writePayload)
        case .local(let reply):
            var payload: [UInt8] = []
            writePayload(&payload)
            reply.payload = payload
        }
    }

    /// Sends the returned value back to the caller (nothing for a one-way call).
    public nonisolated(nonsending) func onReturn<Success: Codable>(value: Success) async throws {
        guard !isOneWay else { return }
        let encoder = system.binaryEncoder
        sendReply { payload in
            let start = payload.count
            do {
                ReplyEnvelope.beginValue(in: &payload)
                try encoder.encode(value, into: &payload)
            } catch {
                let failure = ReplyFailure(
                    code: .serialization, errorType: nil,
                    message: "cannot encode the result of type \(Success.self): \(error)", encodedError: nil)
                payload.removeSubrange(start...)
                ReplyEnvelope.failure(failure).encode(into: &payload)
            }
        }
    }

    /// Tells the caller the method returned (nothing for a one-way call).
    public nonisolated(nonsending) func onReturnVoid() async throws {
        guard !isOneWay else { return }
        sendReply { payload in ReplyEnvelope.void.encode(into: &payload) }
    }

    /// Sends the thrown error back as a `remoteError` (the error itself when it is registered and `Codable`).
    public nonisolated(nonsending) func onThrow<Err: Error>(error: Err) async throws {
        if isOneWay {
            system.counters.add(.oneWayErrors)
            return
        }
        let failure = system.replyFailure(for: error)
        sendReply { payload in ReplyEnvelope.failure(failure).encode(into: &payload) }
    }
}

extension FabricActorSystem {
    /// How an error thrown by a remote method travels back: Fabric's own errors keep their code;
    /// a registered `Codable` error travels encoded, to be rebuilt on the caller's side; any other
    /// error becomes its type name and description.
    func replyFailure(for error: any Error) -> ReplyFailure {
        if let fabric = error as? FabricError {
            return ReplyFailure(
                code: fabric.code, errorType: fabric.remoteType, message: WireWriter.boundedMessage(fabric.message), encodedError: nil)
        }
        let typeName = TypeRegistry.errorName(of: type(of: error))
        var encoded: ArraySlice<UInt8>?
        if let encodable = error as? any Encodable, types.isRegisteredError(type(of: error)) {
            var bytes: [UInt8] = []
            if (try? binaryEncoder.encode(encodable, into: &bytes)) != nil { encoded = bytes[...] }
        }
        return ReplyFailure(
            code: .remoteError, errorType: String(typeName.prefix(Limits.typeNameBytesMax)),
            message: WireWriter.boundedMessage(String(describing: error)), encodedError: encoded)
    }

    /// The error a caller sees for a failure reply.
    func error(from failure: ReplyFailure) -> any Error {
        if failure.code == .remoteError, let typeName = failure.errorType, let bytes = failure.encodedError,
            let decoding = types.errorDecoding(named: typeName),
            let rebuilt = try? decoding.decode(binaryDecoder, bytes)
        {
            return rebuilt
        }
        if failure.code == .remoteError {
            return FabricError.remoteError(type: failure.errorType ?? "unknown", message: failure.message)
        }
        return FabricError(failure.code, failure.message, remoteType: failure.errorType)
    }
}

/// Where a call's outcome goes: back on the connection the call came from, under its id, or,
/// for a loopback call, to the calling task.
enum ReplyDestination: Sendable {
    case connection(Connection, callID: UInt64)
    case local(LocalReply)
}

/// The reply of a loopback call, written by its result handler in the calling task.
final class LocalReply: @unchecked Sendable {
    var payload: [UInt8]?
}
