import FabricCore
import FabricReactor
import FabricWire

/// A message waiting to be framed and written: the connection frames it on its loop, with the
/// encoder agreed in the handshake (so callers can queue before the handshake is done).
package struct OutboundMessage: Sendable {
    package var kind: FrameKind
    package var priority: UInt8
    /// Whether `payload` is already the message's zstd frame (compressed on the caller's
    /// thread: `Connection.prepareOffLoop`); it then goes with the compressed flag as it is.
    /// Declared here, in the padding after `priority`, so a message stays 32 bytes.
    package var isWireCompressed = false
    package var messageID: UInt64
    package var payload: [UInt8]
    /// Where the payload starts on the wire: it is sent as `payload[wireStart...]` followed by
    /// `payload[..<wireStart]`. A call's arguments are encoded before its envelope header is
    /// known, so the header is appended after them in the same array and sent first: one
    /// array per call instead of two. 0 for every other message.
    package var wireStart: Int
    package init(kind: FrameKind, priority: UInt8 = 0, messageID: UInt64, payload: [UInt8], wireStart: Int = 0) {
        precondition(wireStart >= 0 && wireStart <= payload.count, "wire start \(wireStart) outside a payload of \(payload.count) bytes")
        self.kind = kind
        self.priority = priority
        self.messageID = messageID
        self.payload = payload
        self.wireStart = wireStart
    }

    /// Control traffic (system frames, priority 3) is written ahead of user traffic.
    package var isControl: Bool { kind == .system || priority == 3 }
}

/// A two-way call waiting for its reply. The caller's continuation is resumed exactly once: by
/// the reply, the deadline, cancellation, or the connection closing — whichever comes first,
/// always on the connection's loop.
package final class PendingCall: @unchecked Sendable {
    package let callID: UInt64
    package let deadline: Instant
    private var continuation: UnsafeContinuation<ArraySlice<UInt8>, any Error>?
    var timer: TimerHandle?
    /// The connection the call went out on, from the time its deadline timer is armed until it
    /// completes: the timer's closure captures only the call, so that arming it allocates no
    /// closure context (a closure over one object uses the object as its context).
    var connection: Connection?

    package init(callID: UInt64, deadline: Instant, continuation: UnsafeContinuation<ArraySlice<UInt8>, any Error>) {
        self.callID = callID
        self.deadline = deadline
        self.continuation = continuation
    }

    /// Resumes the caller with `result` unless it was already resumed. Loop-confined.
    func complete(_ result: Result<ArraySlice<UInt8>, FabricError>) {
        guard let continuation else { return }
        self.continuation = nil
        timer?.cancel()
        timer = nil
        connection = nil
        switch result {
        case .success(let payload): continuation.resume(returning: payload)
        case .failure(let error): continuation.resume(throwing: error)
        }
    }
}

/// What callers on any thread hand to a connection's loop, under the connection's lock.
struct OutboundQueue {
    var control: [OutboundMessage] = []
    var user: [OutboundMessage] = []
    var newCalls: [PendingCall] = []
    /// The connection this one's queue moved to when it was superseded: a cancellation that
    /// arrives here afterwards is passed on to it (its call is there now).
    var handedOverTo: Connection?
    var queuedBytes = 0
    /// The largest payload queued since the last flush (whether a flush may be framed at once
    /// without looking at each message again: `Connection.canFrameDirectly`).
    var largestPayloadBytes = 0
    var flushScheduled = false
    /// Set once the connection is closed: later sends fail at once.
    var closedReason: FabricError?
    /// Callers suspended by back-pressure, resumed when the queue drains.
    var spaceWaiters: [UnsafeContinuation<Void, any Error>] = []

    /// Moves the queued messages and new calls into `batch` (empty, with the capacity of an
    /// earlier flush) and the batch's empty arrays into the queue, so that the next callers
    /// append without allocating; the byte count goes to 0 (the caller updates
    /// `Connection.queuedBytesHint` under the same lock).
    mutating func swapMessages(into batch: inout OutboundBatch) {
        precondition(batch.isEmpty, "flush batch still holds \(batch.user.count + batch.control.count) messages")
        swap(&control, &batch.control)
        swap(&user, &batch.user)
        swap(&newCalls, &batch.calls)
        batch.queuedBytes = queuedBytes
        batch.largestPayloadBytes = largestPayloadBytes
        queuedBytes = 0
        largestPayloadBytes = 0
    }

    /// Empties the queue of messages and new calls and returns them; the byte count goes to 0
    /// (the caller updates `Connection.queuedBytesHint` under the same lock).
    mutating func takeMessages() -> (control: [OutboundMessage], user: [OutboundMessage], calls: [PendingCall]) {
        defer {
            control = []
            user = []
            newCalls = []
            queuedBytes = 0
            largestPayloadBytes = 0
        }
        return (control, user, newCalls)
    }
}

/// What one flush took from a connection's queue. The loop keeps it between flushes, emptied,
/// so that its arrays' capacity goes back to the queue at the next flush.
struct OutboundBatch {
    var control: [OutboundMessage] = []
    var user: [OutboundMessage] = []
    var calls: [PendingCall] = []
    /// What the queue counted for these messages, and the largest payload among them.
    var queuedBytes = 0
    var largestPayloadBytes = 0

    var isEmpty: Bool { control.isEmpty && user.isEmpty && calls.isEmpty }

    /// Empties the batch, keeping capacity up to `Limits.outboundBatchMessagesKeptMax` messages
    /// per array (a burst's arrays are let go).
    mutating func removeAll() {
        let keep = Limits.outboundBatchMessagesKeptMax
        control.removeAll(keepingCapacity: control.capacity <= keep)
        user.removeAll(keepingCapacity: user.capacity <= keep)
        calls.removeAll(keepingCapacity: calls.capacity <= keep)
        queuedBytes = 0
        largestPayloadBytes = 0
    }
}
