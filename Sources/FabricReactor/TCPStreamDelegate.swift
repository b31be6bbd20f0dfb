/// What a stream tells its owner (the transport's connection). Every call is made on the
/// stream's loop.
///
/// Reading is pull-based so the owner can read straight into its own buffer (the transport
/// reads into its `FrameDecoder`'s free space, with no copy): when bytes are waiting, the stream
/// calls `streamRead(_:using:)` and the owner calls `read` once with memory to fill. Owners
/// without a buffer of their own implement `streamDidRead(_:_:)` instead; the default
/// `streamRead` reads into a buffer the loop shares between its streams.
package protocol TCPStreamDelegate: AnyObject {
    /// Bytes are waiting: call `read` once with writable memory (not empty; later calls in the
    /// same callback return 0). It returns how many bytes it put at the start of that memory; 0
    /// means none this time (the stream reports end of stream or errors itself, after this call
    /// returns). The stream calls again while more may be waiting, up to
    /// `Limits.streamReadsPerTurnMax` times per turn. An owner that does not want input now
    /// must `pauseReading()` rather than skip the read: epoll is level-triggered, so unread
    /// bytes are reported again at once.
    func streamRead(_ stream: TCPStream, using read: (UnsafeMutableRawBufferPointer) -> Int)

    /// Bytes arrived (only called by the default `streamRead`); they are valid during the call.
    func streamDidRead(_ stream: TCPStream, _ bytes: UnsafeRawBufferPointer)

    /// The queued output crossed the high water mark (`isWritable` false) or went back down to
    /// the low water mark (true).
    func streamWritabilityChanged(_ stream: TCPStream, isWritable: Bool)

    /// The stream closed; called exactly once. `error` is nil for an orderly close: the peer's
    /// end of stream (output still queued is dropped), or a local `close()` that sent
    /// everything queued. A local `close(error:)` calls this before it returns.
    func streamDidClose(_ stream: TCPStream, error: ReactorError?)
}

extension TCPStreamDelegate {
    /// Reads into the loop's shared buffer and hands the bytes to `streamDidRead`.
    package func streamRead(_ stream: TCPStream, using read: (UnsafeMutableRawBufferPointer) -> Int) {
        let buffer = stream.loop.sharedReadBuffer
        let count = read(buffer)
        if count > 0 { streamDidRead(stream, UnsafeRawBufferPointer(rebasing: buffer[..<count])) }
    }

    /// Only reached by a delegate that overrides neither reading method: a programming error.
    package func streamDidRead(_ stream: TCPStream, _ bytes: UnsafeRawBufferPointer) {
        preconditionFailure("\(type(of: self)) implements neither streamRead(_:using:) nor streamDidRead(_:_:)")
    }

    /// Ignores writability, for owners that never queue much.
    package func streamWritabilityChanged(_ stream: TCPStream, isWritable: Bool) {}
}
