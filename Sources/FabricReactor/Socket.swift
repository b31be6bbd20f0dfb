import CFabricShims
import Glibc

/// Small helpers over the socket calls the streams, listeners and connect attempts share.
enum Socket {
    /// A non-blocking, close-on-exec TCP socket for `family`.
    static func makeTCP(family: Int32) -> Result<Int32, ReactorError> {
        let descriptor = cfabric_socket_tcp(family)
        guard descriptor >= 0 else {
            return .failure(ReactorError(.socketFailed, systemCall: "socket", errno: -descriptor))
        }
        return .success(descriptor)
    }

    /// The port a socket is bound to locally (0 if it cannot be read).
    static func localPort(of descriptor: Int32) -> UInt16 {
        var address = SocketAddress(storage: sockaddr_storage(), length: 0)
        guard cfabric_local_address(descriptor, &address.storage, &address.length) == 0 else { return 0 }
        return address.hostAndPort.port
    }

    static func close(_ descriptor: Int32) {
        _ = cfabric_close(descriptor)
    }
}
