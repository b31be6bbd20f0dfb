#if canImport(Glibc)
import Glibc
#endif
import Fabric
import FabricTestKit
import FabricWire

/// `fabric bench connections --count N`: how much resident memory a node spends on N open
/// connections — raw ones that never handshake, then handshaken client connections — measured
/// as the server process's VmRSS before and after, printed as JSON lines.
enum BenchConnections {
    static let usage = "usage: fabric bench connections [--count N]   (default 1000)"

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        let parsed = Arguments(arguments, valued: ["--count"], usage: usage)
        let count = parsed.integer("--count", default: 1000, usage: usage, range: 1...20_000)
        raiseFileLimit()
        let servers: ProcessCluster
        do {
            servers = try ProcessCluster(
                executable: DemoCommand.ownExecutable(), names: [BenchServer.name.name],
                arguments: .template(["bench", "serve", "--name", "{name}", "--listen", "{listen}"], seedFlag: nil))
            try await servers.start()
        } catch {
            printError("fabric bench connections: cannot start the server: \(error)")
            return 1
        }
        let server = servers.nodes[0]
        defer { server.kill() }
        guard let pid = server.pid else { return 1 }
        for kind in ["raw", "handshaken"] {
            try? await Task.sleep(for: .milliseconds(300))
            let before = ProcessMemory.residentBytes(of: pid)
            var sockets: [Int32] = []
            for index in 0..<count {
                let socket = connectLoopback(port: server.port)
                guard socket >= 0 else { break }
                if kind == "handshaken" { sendHello(socket, index: index) }
                sockets.append(socket)
            }
            if kind == "handshaken" { for socket in sockets { awaitWelcome(socket) } }
            try? await Task.sleep(for: .milliseconds(500))
            let after = ProcessMemory.residentBytes(of: pid)
            let delta = Double(after - before) / 1_048_576
            printLine(
                #"{"bench":"connections","impl":"fabric","kind":"\#(kind)","connections":\#(sockets.count),"#
                    + #""rss_before_mb":\#(BenchCommand.fixed(Double(before) / 1_048_576, 1)),"#
                    + #""rss_after_mb":\#(BenchCommand.fixed(Double(after) / 1_048_576, 1)),"#
                    + #""extra_mb":\#(delta < 0 ? "-" + BenchCommand.fixed(-delta, 2) : BenchCommand.fixed(delta, 2)),"#
                    + #""bytes_per_connection":\#(Int(Double(after - before) / Double(max(1, sockets.count))))}"#)
            for socket in sockets { close(socket) }
        }
        return 0
    }

    static func connectLoopback(port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    static func sendHello(_ socket: Int32, index: Int) {
        let hello = Hello(
            cluster: "bench", node: NodeId(uncheckedValid: "conn-\(index)"), generation: UInt64(index + 1), advertisedAddress: nil,
            capabilities: Capabilities(compression: false, checksum: false, frameBytesMax: 1 << 20))
        var payload: [UInt8] = []
        HandshakeMessage.hello(hello).encode(into: &payload)
        var frame: [UInt8] = []
        let encoder = FrameEncoder(frameBytesMax: Limits.handshakeBytesMax, checksum: false, compressionThresholdBytes: nil)
        _ = payload.withUnsafeBytes { raw -> Bool in
            do throws(WireError) {
                try encoder.append(kind: .handshake, priority: 0, messageID: 0, payload: raw, to: &frame)
                return true
            } catch {
                return false
            }
        }
        _ = frame.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads the welcome (or whatever comes first), with a short timeout.
    static func awaitWelcome(_ socket: Int32) {
        var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 2000) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        _ = read(socket, &buffer, buffer.count)
    }

    static func raiseFileLimit() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
