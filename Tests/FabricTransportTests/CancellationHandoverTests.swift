import FabricCore
import FabricReactor
import FabricWire
import Testing
@testable import FabricTransport

/// A call's cancellation reaches it wherever it is by then (issue 14, §4): before, a call whose
/// queue was handed over to another connection (its first one was superseded before it was
/// sent) never learned of a cancellation sent to the first one, and waited for its deadline.
@Suite struct CancellationHandoverTests {
    static func connections() -> (EventLoopGroup, Connection, Connection) {
        let group = EventLoopGroup(loopCount: 1)
        let configuration = TransportConfiguration(cluster: "test", node: NodeId(uncheckedValid: "a"), generation: 1, listen: nil)
        let transport = Transport(configuration: configuration, group: group, log: { _, _ in })
        let address = NodeAddress(uncheckedHost: "127.0.0.1", port: 9)
        let old = Connection(id: 1, loop: group.loops[0], transport: transport, dialing: address)
        let new = Connection(id: 2, loop: group.loops[0], transport: transport, dialing: address)
        return (group, old, new)
    }

    /// Waits for the call's outcome, failing the test (instead of hanging) after a generous bound.
    static func outcome(of start: @escaping @Sendable (UnsafeContinuation<ArraySlice<UInt8>, any Error>) -> Void) async -> FabricError? {
        await withTaskGroup(of: FabricError?.self) { group in
            group.addTask {
                do {
                    _ = try await withUnsafeThrowingContinuation(start)
                    return FabricError(.remoteError, "the call succeeded")
                } catch {
                    return error as? FabricError
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(20))
                return FabricError(.timeout, "the call never completed")
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    static func message(_ id: UInt64) -> OutboundMessage {
        OutboundMessage(kind: .call, messageID: id, payload: [1, 2, 3])
    }

    @Test func aCancellationAfterTheHandoverFollowsTheCall() async {
        let (group, old, new) = Self.connections()
        defer { group.shutdown() }
        let error = await Self.outcome { continuation in
            let call = PendingCall(callID: 5, deadline: group.loops[0].now + .seconds(3600), continuation: continuation)
            do { try old.sendCall(Self.message(5), call) } catch { continuation.resume(throwing: error) }
            old.handOverQueue(to: new)
            old.cancelCall(5)
        }
        #expect(error?.code == .cancelled, "got \(String(describing: error))")
    }

    @Test func aCancellationOfAQueuedCallFailsItAtOnce() async {
        let (group, old, _) = Self.connections()
        defer { group.shutdown() }
        let error = await Self.outcome { continuation in
            let call = PendingCall(callID: 6, deadline: group.loops[0].now + .seconds(3600), continuation: continuation)
            do { try old.sendCall(Self.message(6), call) } catch { continuation.resume(throwing: error) }
            old.cancelCall(6)
        }
        #expect(error?.code == .cancelled, "got \(String(describing: error))")
    }
}
