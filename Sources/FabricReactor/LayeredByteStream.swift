import FabricCore

/// What sits between a socket's bytes and its owner's: a TLS session over memory BIOs, or (in
/// tests) a transform with a handshake of its own. Used by one `LayeredByteStream`, on its loop.
///
/// A session turns the peer's wire bytes into its owner's bytes (`receive`) and its owner's
/// bytes into wire bytes (`send`). It may first need a handshake: until `isEstablished` is true
/// it only answers (what it appends to `wire` in `start` and `receive` goes to the peer) and
/// its owner's bytes wait in the stream. A thrown error closes the stream with it.
package protocol StreamSession: AnyObject {
    /// Whether the handshake is done and the owner's bytes may pass.
    var isEstablished: Bool { get }
    /// The stream started: append to `wire` what goes to the peer first (a client's hello), if
    /// anything.
    func start(wire: inout [UInt8]) throws(ReactorError)
    /// Bytes from the peer, all of them to be taken: append the owner's bytes they carry to
    /// `plain` and anything to send back (handshake answers) to `wire`.
    func receive(_ bytes: UnsafeRawBufferPointer, plain: inout [UInt8], wire: inout [UInt8]) throws(ReactorError)
    /// The owner's bytes to send (only once established): append their wire form to `wire`.
    func send(_ bytes: UnsafeRawBufferPointer, wire: inout [UInt8]) throws(ReactorError)
    /// A graceful close: append to `wire` what says so to the peer (TLS's `close_notify`).
    func finish(wire: inout [UInt8])
}

extension StreamSession {
    /// Nothing to say at a close.
    package func finish(wire: inout [UInt8]) {}
}

/// The session of a layer that changes nothing: established at once, bytes pass as they are.
package final class IdentitySession: StreamSession {
    package init() {}
    package var isEstablished: Bool { true }
    package func start(wire: inout [UInt8]) throws(ReactorError) {}
    package func receive(_ bytes: UnsafeRawBufferPointer, plain: inout [UInt8], wire: inout [UInt8]) throws(ReactorError) {
        plain.append(contentsOf: bytes)
    }
    package func send(_ bytes: UnsafeRawBufferPointer, wire: inout [UInt8]) throws(ReactorError) {
        wire.append(contentsOf: bytes)
    }
}

/// A byte stream over another (a `TCPStream`), with a `StreamSession` between the two: what the
/// inner stream reads goes through the session before the owner sees it, and what the owner
/// writes goes through it before the inner stream sends it. The seam a TLS session sits in.
///
/// Established once the session is: until then the owner reads nothing and what it writes is
/// held here (counted in `pendingWriteBytes`, dropped by a close). Output, writability, water
/// marks and `TCP_NOTSENT_LOWAT` are the inner stream's (its bytes are the ones waiting for
/// the peer). Reading pauses with the inner stream; input the session produced beyond what the
/// owner read before it paused waits here and is handed over on a later turn after
/// `resumeReading()`, never inside it. Loop-confined, like the inner stream; the two hold each
/// other from `start()` until the close.
package final class LayeredByteStream: ByteStream, ByteStreamDelegate, @unchecked Sendable {
    package let loop: EventLoop
    /// The stream the session's wire bytes go through.
    package let inner: any ByteStream
    /// The session between the inner stream and the owner.
    package let session: any StreamSession
    package var delegate: (any ByteStreamDelegate)?

    private enum State { case idle, active, closing, closed }
    private var state = State.idle
    private var established = false
    /// True inside `start()`: an establishment then is not reported (the owner asks after).
    private var isStarting = false
    private var isReadingPaused = false
    private var isDeliveryScheduled = false
    /// The owner's bytes written before the session was established.
    private var heldOutput: [UInt8] = []
    /// The owner's bytes the session produced and the owner has not read yet, from `inputStart`.
    private var input: [UInt8] = []
    private var inputStart = 0
    /// Wire bytes on their way to the inner stream (reused).
    private var wire: [UInt8] = []

    /// Layers `session` over `inner`, which must not be started yet (this stream starts it).
    package init(over inner: any ByteStream, session: any StreamSession = IdentitySession()) {
        self.loop = inner.loop
        self.inner = inner
        self.session = session
    }

    package var isEstablished: Bool {
        loop.assertInEventLoop()
        return established && (state == .active || state == .closing)
    }

    package func start() {
        loop.assertInEventLoop()
        precondition(delegate != nil, "LayeredByteStream.start() before a delegate was set")
        guard state == .idle else { return }
        state = .active
        inner.delegate = self
        isStarting = true
        defer { isStarting = false }
        inner.start()
        guard state == .active else { return }
        wire.removeAll(keepingCapacity: true)
        do throws(ReactorError) {
            try session.start(wire: &wire)
        } catch {
            fail(error)
            return
        }
        sendWire()
        if session.isEstablished { becomeEstablished() }
    }

    // MARK: Output

    package func write(_ bytes: UnsafeRawBufferPointer) {
        loop.assertInEventLoop()
        guard state == .idle || state == .active, bytes.count > 0 else { return }
        guard established else {
            heldOutput.append(contentsOf: bytes)
            return
        }
        seal(bytes)
    }

    package func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    package var pendingWriteBytes: Int {
        loop.assertInEventLoop()
        return heldOutput.count + inner.pendingWriteBytes
    }

    package var bytesWritten: Int { inner.bytesWritten }
    package func flushNow() { inner.flushNow() }
    package var isWritable: Bool { inner.isWritable }
    package var writeBufferHighWaterBytes: Int { inner.writeBufferHighWaterBytes }

    package func setWriteBufferWaterMarks(lowBytes: Int, highBytes: Int) {
        inner.setWriteBufferWaterMarks(lowBytes: lowBytes, highBytes: highBytes)
    }

    @discardableResult
    package func setNotSentLowAt(_ bytes: Int) -> Bool { inner.setNotSentLowAt(bytes) }

    /// The owner's bytes through the session and on to the inner stream.
    private func seal(_ bytes: UnsafeRawBufferPointer) {
        wire.removeAll(keepingCapacity: true)
        do throws(ReactorError) {
            try session.send(bytes, wire: &wire)
        } catch {
            fail(error)
            return
        }
        sendWire()
    }

    /// Hands what the session produced to the inner stream.
    private func sendWire() {
        guard !wire.isEmpty else { return }
        wire.withUnsafeBytes { inner.write($0) }
        // A large batch's buffer is not kept for the life of the connection.
        if wire.capacity > Limits.streamReadBufferBytes { wire = [] }
    }

    private func becomeEstablished() {
        guard !established, state == .active else { return }
        established = true
        if !heldOutput.isEmpty {
            let held = heldOutput
            heldOutput = []
            held.withUnsafeBytes { seal($0) }
        }
        if !isStarting, state == .active { delegate?.streamDidEstablish(self) }
    }

    // MARK: Input

    package func pauseReading() {
        loop.assertInEventLoop()
        isReadingPaused = true
        inner.pauseReading()
    }

    package func resumeReading() {
        loop.assertInEventLoop()
        isReadingPaused = false
        inner.resumeReading()
        guard inputStart < input.count, !isDeliveryScheduled else { return }
        isDeliveryScheduled = true
        loop.execute { [self] in
            isDeliveryScheduled = false
            deliverInput()
        }
    }

    package func streamDidRead(_ stream: any ByteStream, _ bytes: UnsafeRawBufferPointer) {
        guard state == .active || state == .closing else { return }
        wire.removeAll(keepingCapacity: true)
        do throws(ReactorError) {
            try session.receive(bytes, plain: &input, wire: &wire)
        } catch {
            fail(error)
            return
        }
        sendWire()
        if !established, session.isEstablished { becomeEstablished() }
        deliverInput()
    }

    /// Hands the owner what the session produced, one read of the owner's at a time, until it
    /// has taken it all or paused.
    private func deliverInput() {
        while state == .active, established, !isReadingPaused, inputStart < input.count, let delegate {
            var taken = 0
            delegate.streamRead(self) { buffer in
                guard taken == 0, buffer.count > 0 else { return 0 }
                let count = min(buffer.count, input.count - inputStart)
                input.withUnsafeBytes { source in
                    buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[inputStart..<(inputStart + count)]))
                }
                taken = count
                inputStart += count
                return count
            }
            guard taken > 0 else { break }
        }
        if inputStart == input.count {
            inputStart = 0
            if input.capacity > Limits.streamReadBufferBytes { input = [] } else { input.removeAll(keepingCapacity: true) }
        }
    }

    package func streamWritabilityChanged(_ stream: any ByteStream, isWritable: Bool) {
        guard state != .closed else { return }
        delegate?.streamWritabilityChanged(self, isWritable: isWritable)
    }

    package func streamDidClose(_ stream: any ByteStream, error: ReactorError?) {
        report(error: error)
    }

    // MARK: Closing

    package func close() {
        loop.assertInEventLoop()
        switch state {
        case .closing, .closed:
            return
        case .idle:
            state = .closed
            inner.close()
            report(error: nil)
        case .active:
            state = .closing
            heldOutput = []
            if established {
                wire.removeAll(keepingCapacity: true)
                session.finish(wire: &wire)
                sendWire()
            }
            inner.close()
        }
    }

    package func close(error: ReactorError) {
        loop.assertInEventLoop()
        guard state != .closed else { return }
        let wasStarted = state != .idle
        inner.close(error: error)
        // A started inner stream has told this one already; an idle one had no delegate yet.
        if !wasStarted || state != .closed { report(error: error) }
    }

    /// The session failed: the inner stream closes with the error, and that close is reported.
    private func fail(_ error: ReactorError) {
        close(error: error)
    }

    /// Tells the owner, once, and lets go of it.
    private func report(error: ReactorError?) {
        guard let delegate else {
            state = .closed
            return
        }
        state = .closed
        heldOutput = []
        input = []
        inputStart = 0
        self.delegate = nil
        delegate.streamDidClose(self, error: error)
    }
}
