import Glibc
import Testing
@testable import FabricTestKit

@Suite struct FreePortTests {
    @Test func givesABindablePort() throws {
        let port = try FreePort.loopback()
        #expect(port != 0)
        #expect(canBind(port))
    }

    @Test func givesDistinctPortsAtOnce() throws {
        let ports = try FreePort.loopback(count: 8)
        #expect(ports.count == 8)
        #expect(Set(ports).count == 8)
        #expect(!ports.contains(0))
    }

    /// Whether a TCP socket can bind 127.0.0.1:`port` right now.
    private func canBind(_ port: UInt16) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
