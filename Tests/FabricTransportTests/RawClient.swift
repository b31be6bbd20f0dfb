#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import FabricWire
import Synchronization

/// A blocking TCP client for tests that play a hostile or broken peer: it sends exactly the
/// bytes it is given and reports what came back and whether the server closed.
final class RawClient: @unchecked Sendable {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawClientError(message: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw RawClientError(message: "connect: \(errno)")
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Reads until the server closes or `timeoutMilliseconds` pass with nothing new, on a
    /// Dispatch thread: blocking in `poll` on the concurrency pool's few threads would stall
    /// every other test running in parallel.
    func readUntilClosed(timeoutMilliseconds: Int32) async -> (bytes: [UInt8], closed: Bool) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: self.readUntilClosedBlocking(timeoutMilliseconds: timeoutMilliseconds))
            }
        }
    }

    private func readUntilClosedBlocking(timeoutMilliseconds: Int32) -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, timeoutMilliseconds)
            if ready <= 0 { return (received, false) }
            let count = read(fd, &buffer, buffer.count)
            if count == 0 { return (received, true) }
            if count < 0 { return (received, errno == ECONNRESET) }
            received += buffer[..<count]
        }
    }
}

struct RawClientError: Error {
    let message: String
}

/// Raises this process's soft file-descriptor limit to its hard limit (tests that open
/// thousands of sockets need it; raising it affects nothing else).
func raiseFileLimit() {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

extension RawClient {
    /// Reads until `count` frames have arrived or nothing new came for `timeoutMilliseconds`
    /// (blocking: for tests that run serially).
    func readFrames(count: Int, timeoutMilliseconds: Int32) -> [Frame] {
        var decoder = FrameDecoder(frameBytesMax: 16 * 1024 * 1024)
        var frames: [Frame] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while frames.count < count {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, timeoutMilliseconds) > 0 else { break }
            let received = read(fd, &buffer, buffer.count)
            guard received > 0 else { break }
            buffer[..<received].withUnsafeBytes { decoder.feed($0) }
            while frames.count < count, let frame = try? decoder.nextFrame() { frames.append(frame) }
        }
        return frames
    }

    /// Sends `bytes` `times` times from a thread of its own, never reading, until done or
    /// `stop()`: a peer that keeps writing while the node has stopped reading would block a
    /// plain `send` forever.
    func sendRepeatedlyInBackground(_ bytes: [UInt8], times: Int) -> BackgroundSender {
        let sender = BackgroundSender()
        let fd = self.fd
        DispatchQueue.global().async {
            outer: for _ in 0..<times {
                var offset = 0
                while offset < bytes.count {
                    if sender.isStopped { break outer }
                    var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    guard poll(&poller, 1, 50) >= 0 else { break outer }
                    guard poller.revents & Int16(POLLOUT) != 0 else { continue }
                    let written = bytes.withUnsafeBytes {
                        Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                    }
                    if written < 0, errno == EAGAIN { continue }
                    if written <= 0 { break outer }
                    offset += written
                }
            }
            sender.finished.store(true, ordering: .releasing)
        }
        return sender
    }
}

/// Stops a `sendRepeatedlyInBackground`.
final class BackgroundSender: Sendable {
    let stopped = Atomic<Bool>(false)
    let finished = Atomic<Bool>(false)
    var isStopped: Bool { stopped.load(ordering: .acquiring) }
    func stop() { stopped.store(true, ordering: .releasing) }
}
