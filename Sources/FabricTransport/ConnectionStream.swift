import FabricReactor

/// The byte stream under a connection: its `TCPStream` itself, or a layer over it chosen by
/// `TransportConfiguration.streamLayer` (a TLS session, say).
///
/// An enum rather than `any ByteStream` so that the plain path stays what it was before the
/// seam: a tag test and then a direct call into `TCPStream` (a final class), which the
/// optimizer may inline across the module boundary. Only a layered stream is called through
/// the protocol's witness table, and it pays far more than that per call in its session's
/// work. Connections write to their stream once per flush and once per reply framed on the
/// loop, so a dynamic call here would be paid per frame (`Docs/Architecture.md`, "The
/// byte-stream seam").
enum ConnectionStream {
    case tcp(TCPStream)
    case layered(any ByteStream)

    /// The stream as the protocol sees it (for coarse calls and logs).
    var base: any ByteStream {
        switch self {
        case .tcp(let stream): stream
        case .layered(let stream): stream
        }
    }

    var delegate: (any ByteStreamDelegate)? {
        get { base.delegate }
        nonmutating set {
            switch self {
            case .tcp(let stream): stream.delegate = newValue
            case .layered(let stream): stream.delegate = newValue
            }
        }
    }

    var isEstablished: Bool {
        switch self {
        case .tcp(let stream): stream.isEstablished
        case .layered(let stream): stream.isEstablished
        }
    }

    func start() {
        switch self {
        case .tcp(let stream): stream.start()
        case .layered(let stream): stream.start()
        }
    }

    @inline(__always)
    func write(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .tcp(let stream): stream.write(bytes)
        case .layered(let stream): stream.write(bytes)
        }
    }

    @inline(__always)
    var pendingWriteBytes: Int {
        switch self {
        case .tcp(let stream): stream.pendingWriteBytes
        case .layered(let stream): stream.pendingWriteBytes
        }
    }

    var bytesWritten: Int {
        switch self {
        case .tcp(let stream): stream.bytesWritten
        case .layered(let stream): stream.bytesWritten
        }
    }

    @inline(__always)
    func flushNow() {
        switch self {
        case .tcp(let stream): stream.flushNow()
        case .layered(let stream): stream.flushNow()
        }
    }

    var writeBufferHighWaterBytes: Int {
        switch self {
        case .tcp(let stream): stream.writeBufferHighWaterBytes
        case .layered(let stream): stream.writeBufferHighWaterBytes
        }
    }

    func setWriteBufferWaterMarks(lowBytes: Int, highBytes: Int) {
        switch self {
        case .tcp(let stream): stream.setWriteBufferWaterMarks(lowBytes: lowBytes, highBytes: highBytes)
        case .layered(let stream): stream.setWriteBufferWaterMarks(lowBytes: lowBytes, highBytes: highBytes)
        }
    }

    @discardableResult
    func setNotSentLowAt(_ bytes: Int) -> Bool {
        switch self {
        case .tcp(let stream): stream.setNotSentLowAt(bytes)
        case .layered(let stream): stream.setNotSentLowAt(bytes)
        }
    }

    func pauseReading() {
        switch self {
        case .tcp(let stream): stream.pauseReading()
        case .layered(let stream): stream.pauseReading()
        }
    }

    func resumeReading() {
        switch self {
        case .tcp(let stream): stream.resumeReading()
        case .layered(let stream): stream.resumeReading()
        }
    }

    func close() {
        switch self {
        case .tcp(let stream): stream.close()
        case .layered(let stream): stream.close()
        }
    }

    func close(error: ReactorError) {
        switch self {
        case .tcp(let stream): stream.close(error: error)
        case .layered(let stream): stream.close(error: error)
        }
    }
}
