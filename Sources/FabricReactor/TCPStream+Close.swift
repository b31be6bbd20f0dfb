extension TCPStream {
    /// Closes after sending what is queued: at once if nothing is, else once the queue has
    /// drained (reading stops meanwhile). The delegate gets `streamDidClose(nil)`, or
    /// `drainTimeout` if the queue could not be sent within `drainTimeout`, or the error that
    /// ended the stream first. Idempotent.
    package func close() {
        loop.assertInEventLoop()
        switch state {
        case .closing, .closed:
            return
        case .idle:
            finishClose(error: nil)
        case .active:
            guard !outbound.isEmpty else {
                finishClose(error: nil)
                return
            }
            state = .closing
            updateInterest()
            flushNow()
            guard state == .closing else { return }
            drainTimer = loop.scheduleTimer(after: drainTimeout) { [self] in
                finishClose(error: ReactorError(.drainTimeout, "\(outbound.byteCount) bytes unsent after \(drainTimeout)"))
            }
        }
    }

    /// Closes at once, dropping queued output; the delegate gets `streamDidClose(error)`.
    /// Does nothing if already closed.
    package func close(error: ReactorError) {
        loop.assertInEventLoop()
        finishClose(error: error)
    }

    /// Releases everything and tells the delegate, once.
    func finishClose(error: ReactorError?) {
        guard state != .closed else { return }
        state = .closed
        drainTimer?.cancel()
        drainTimer = nil
        if let key = registrationKey {
            loop.unwatch(descriptor)
            loop.removeHandler(key)
            registrationKey = nil
        }
        Socket.close(descriptor)
        descriptor = -1
        interest = 0
        outbound.removeAll(pool: &loop.chunkPool)
        let delegate = self.delegate
        self.delegate = nil
        delegate?.streamDidClose(self, error: error)
    }
}
