import CFabricShims
import FabricCore
import Glibc

extension TCPStream {
    /// What one `read` call came to.
    private enum ReadOutcome {
        case notAttempted
        /// Bytes arrived; `filledBuffer` means more may be waiting.
        case bytes(Int, filledBuffer: Bool)
        case wouldBlock
        case endOfStream
        case failed(Int32)
    }

    /// Reads until the socket is drained, the budget is spent, or the stream closes or pauses.
    /// A read that does not fill the delegate's buffer drained the socket, so no extra `read`
    /// is made just to see `EAGAIN`: level-triggered epoll reports any later bytes.
    func readAvailable(ignoringPause: Bool) {
        var reads = 0
        while state == .active, ignoringPause || !isReadingPaused, reads < Limits.streamReadsPerTurnMax {
            reads += 1
            switch readOnce() {
            case .bytes(let count, let filledBuffer):
                statistics.bytesRead += count
                if !filledBuffer { return }
            case .notAttempted, .wouldBlock:
                return
            case .endOfStream:
                if state == .active { finishClose(error: nil) }
                return
            case .failed(let value):
                if state != .closed { finishClose(error: ReactorError.read(errno: value)) }
                return
            }
        }
    }

    /// Lets the delegate supply the memory for one `read`. Without a delegate the bytes are read
    /// into the loop's buffer and dropped, so that end of stream and errors are still seen (with
    /// level-triggered epoll an unread socket would be reported again every turn).
    private func readOnce() -> ReadOutcome {
        var outcome = ReadOutcome.notAttempted
        let descriptor = self.descriptor
        func readOnce(into buffer: UnsafeMutableRawBufferPointer) -> Int {
            guard case .notAttempted = outcome else { return 0 }
            precondition(buffer.count > 0, "ByteStreamDelegate passed an empty buffer to read into")
            let result = cfabric_read(descriptor, buffer.baseAddress, buffer.count)
            if result > 0 {
                outcome = .bytes(result, filledBuffer: result == buffer.count)
                return result
            }
            if result == 0 {
                outcome = .endOfStream
            } else if result == -Int(EAGAIN) {
                outcome = .wouldBlock
            } else {
                outcome = .failed(Int32(-result))
            }
            return 0
        }
        if let delegate {
            delegate.streamRead(self, using: readOnce(into:))
        } else {
            _ = readOnce(into: loop.sharedReadBuffer)
        }
        return outcome
    }
}
