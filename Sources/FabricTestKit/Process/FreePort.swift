import FabricCore
import Glibc

/// Free TCP ports on the loopback interface, for nodes a test is about to start.
///
/// A port is drawn at random below the kernel's ephemeral range (`ip_local_port_range`,
/// 32768-60999 by default) and checked by binding it; the socket is closed again and the number
/// handed out; the node binds it moments later. Below that range because the kernel hands
/// ephemeral ports to every `bind(0)` and outgoing connection: a node restarted on its port
/// (`NodeProcess.restart()`) found it taken by another test's listener running in parallel.
/// Only another user of `FreePort` drawing the same number can take one now (and a node that
/// fails to bind says so in its log). Where the ephemeral range leaves too little room below
/// it, the kernel picks (bind to port 0).
///
/// ```swift
/// let port = try FreePort.loopback()
/// ```
public enum FreePort {
    /// One free loopback port.
    public static func loopback() throws -> UInt16 {
        try loopback(count: 1)[0]
    }

    /// `count` distinct free loopback ports: all sockets stay bound until every port is read, so
    /// the kernel cannot hand the same number out twice.
    package static func loopback(count: Int) throws -> [UInt16] {
        precondition(
            (1...Limits.testKitClusterNodesMax).contains(count),
            "asked for \(count) ports; between 1 and \(Limits.testKitClusterNodesMax) allowed"
        )
        var descriptors: [Int32] = []
        defer { descriptors.forEach { close($0) } }
        var ports: [UInt16] = []
        for _ in 0..<count {
            let descriptor = try boundLoopbackSocketBelowEphemeralRange() ?? boundLoopbackSocket(port: 0)
            descriptors.append(descriptor)
            ports.append(try boundPort(of: descriptor))
        }
        return ports
    }

    /// The lowest port of the kernel's ephemeral range.
    private static func ephemeralRangeStart() -> UInt16 {
        guard let file = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r") else { return 32768 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 64)
        guard fgets(&line, Int32(line.count), file) != nil else { return 32768 }
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { UInt16($0) } ?? 32768
    }

    /// A socket bound to a random free port between 10000 and the ephemeral range, or nil when
    /// that range is too small or 256 draws found nothing free.
    private static func boundLoopbackSocketBelowEphemeralRange() throws -> Int32? {
        let end = ephemeralRangeStart()
        guard end > 11_000 else { return nil }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<256 {
            let port = UInt16.random(in: 10_000..<end, using: &random)
            if let descriptor = try? boundLoopbackSocket(port: port) { return descriptor }
        }
        return nil
    }

    /// A TCP socket bound to 127.0.0.1 on `port` (0: a port the kernel chooses).
    private static func boundLoopbackSocket(port: UInt16) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw TestKitError(.system, "socket() failed: \(systemErrorText(errno))")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let number = errno
            close(descriptor)
            throw TestKitError(.system, "bind(127.0.0.1:\(port)) failed: \(systemErrorText(number))")
        }
        return descriptor
    }

    /// The port a bound socket holds.
    private static func boundPort(of descriptor: Int32) throws -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(descriptor, $0, &length)
            }
        }
        guard result == 0 else {
            throw TestKitError(.system, "getsockname() failed: \(systemErrorText(errno))")
        }
        return UInt16(bigEndian: address.sin_port)
    }
}
