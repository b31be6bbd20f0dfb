import FabricCore

/// A connected, ordered, reliable stream of bytes on one event loop: what a transport
/// connection reads frames from and writes frames to. `TCPStream` is one; a
/// `LayeredByteStream` is another, over a `TCPStream`, with a `StreamSession` (a TLS session,
/// say) between the socket's bytes and the ones its owner sees.
///
/// Confined to `loop`, like `TCPStream`: every member but `loop` is used on the loop's thread.
/// The owner sets `delegate`, then calls `start()`. A stream is *established* once it carries
/// its owner's bytes: a `TCPStream` from `start()`, a layered stream once its session's
/// handshake is done. A stream established when `start()` returns never calls
/// `streamDidEstablish`; one that is not calls it exactly once when it becomes established
/// (or closes first). Bytes written before then wait in the stream.
package protocol ByteStream: AnyObject {
    /// The loop the stream lives on.
    var loop: EventLoop { get }
    /// Told about input, writability, establishment and the close; held strongly until the close.
    var delegate: (any ByteStreamDelegate)? { get set }
    /// Whether the stream carries its owner's bytes yet (see the type's documentation).
    var isEstablished: Bool { get }
    /// Starts reading (and sending what was written before). Call once, after setting `delegate`.
    func start()

    /// Queues bytes (copied); they leave at the end of this loop turn at the latest.
    func write(_ bytes: UnsafeRawBufferPointer)
    /// Queues an array (a large one may be sent from its own storage).
    func write(_ bytes: [UInt8])
    /// Bytes written and not yet handed to the kernel, in this stream and any it is layered on.
    var pendingWriteBytes: Int { get }
    /// Bytes handed to the kernel so far (wire bytes: a layer's framing included). Grows while
    /// the peer takes output, whatever it is.
    var bytesWritten: Int { get }
    /// Sends what is queued now rather than at the end of the turn.
    func flushNow()

    /// False from the moment pending output reaches the high water mark until it is back down
    /// to the low water mark; each change is reported to `streamWritabilityChanged`.
    var isWritable: Bool { get }
    /// The high water mark set by `setWriteBufferWaterMarks`.
    var writeBufferHighWaterBytes: Int { get }
    /// Sets both water marks (`0 <= lowBytes <= highBytes`).
    func setWriteBufferWaterMarks(lowBytes: Int, highBytes: Int)
    /// Caps what the kernel keeps queued unsent (`TCP_NOTSENT_LOWAT`); whether it took effect.
    @discardableResult func setNotSentLowAt(_ bytes: Int) -> Bool

    /// Stops reading until `resumeReading()` (back-pressure on the peer through TCP's window).
    func pauseReading()
    /// Reads again after `pauseReading()`.
    func resumeReading()

    /// Closes after sending what is queued (`streamDidClose(nil)` once it went). Idempotent.
    func close()
    /// Closes at once, dropping queued output; the delegate gets `streamDidClose(error)`
    /// before this returns. Does nothing if already closed.
    func close(error: ReactorError)
}

/// What a byte stream tells its owner (the transport's connection, or the layer above it).
/// Every call is made on the stream's loop.
///
/// Reading is pull-based so the owner can read straight into its own buffer: when bytes are
/// waiting, the stream calls `streamRead(_:using:)` and the owner calls `read` once with memory
/// to fill. Owners without a buffer of their own implement `streamDidRead(_:_:)` instead; the
/// default `streamRead` reads into a buffer the loop shares between its streams.
package protocol ByteStreamDelegate: AnyObject {
    /// Bytes are waiting: call `read` once with writable memory (not empty; later calls in the
    /// same callback return 0). It returns how many bytes it put at the start of that memory; 0
    /// means none this time (the stream reports end of stream or errors itself, after this call
    /// returns). The stream calls again while more may be waiting, up to
    /// `Limits.streamReadsPerTurnMax` times per turn. An owner that does not want input now
    /// must `pauseReading()` rather than skip the read: epoll is level-triggered, so unread
    /// bytes are reported again at once.
    func streamRead(_ stream: any ByteStream, using read: (UnsafeMutableRawBufferPointer) -> Int)

    /// Bytes arrived (only called by the default `streamRead`); they are valid during the call.
    func streamDidRead(_ stream: any ByteStream, _ bytes: UnsafeRawBufferPointer)

    /// The pending output crossed the high water mark (`isWritable` false) or went back down to
    /// the low water mark (true).
    func streamWritabilityChanged(_ stream: any ByteStream, isWritable: Bool)

    /// A stream that was not established when `start()` returned now is (a layer's handshake
    /// completed). Called at most once.
    func streamDidEstablish(_ stream: any ByteStream)

    /// The stream closed; called exactly once. `error` is nil for an orderly close: the peer's
    /// end of stream (output still queued is dropped), or a local `close()` that sent
    /// everything queued. A local `close(error:)` calls this before it returns.
    func streamDidClose(_ stream: any ByteStream, error: ReactorError?)
}

extension ByteStreamDelegate {
    /// Reads into the loop's shared buffer and hands the bytes to `streamDidRead`.
    package func streamRead(_ stream: any ByteStream, using read: (UnsafeMutableRawBufferPointer) -> Int) {
        let buffer = stream.loop.sharedReadBuffer
        let count = read(buffer)
        if count > 0 { streamDidRead(stream, UnsafeRawBufferPointer(rebasing: buffer[..<count])) }
    }

    /// Only reached by a delegate that overrides neither reading method: a programming error.
    package func streamDidRead(_ stream: any ByteStream, _ bytes: UnsafeRawBufferPointer) {
        preconditionFailure("\(type(of: self)) implements neither streamRead(_:using:) nor streamDidRead(_:_:)")
    }

    /// Ignores writability, for owners that never queue much.
    package func streamWritabilityChanged(_ stream: any ByteStream, isWritable: Bool) {}

    /// Ignores establishment, for owners of streams established from the start (TCP).
    package func streamDidEstablish(_ stream: any ByteStream) {}
}
