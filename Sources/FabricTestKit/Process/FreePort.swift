import FabricCore
import Glibc

/// Free TCP ports on the loopback interface, for nodes a test is about to start.
///
/// The kernel picks the port (bind to port 0), the socket is closed again and the number handed
/// out; the node binds it moments later. Between the two another process could take it, which is
/// rare enough on loopback for tests (and a node that fails to bind says so in its log).
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
            let descriptor = try boundLoopbackSocket()
            descriptors.append(descriptor)
            ports.append(try boundPort(of: descriptor))
        }
        return ports
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel chose.
    private static func boundLoopbackSocket() throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw TestKitError(.system, "socket() failed: \(systemErrorText(errno))")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let number = errno
            close(descriptor)
            throw TestKitError(.system, "bind(127.0.0.1:0) failed: \(systemErrorText(number))")
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
