import Glibc

/// What a process holds in memory, read from `/proc`: for benchmarks and tests that check a
/// node's own footprint (a process measured alone, whatever else runs beside it).
public enum ProcessMemory {
    /// Resident bytes of process `pid` (`VmRSS` of `/proc/PID/status`), 0 when unreadable.
    public static func residentBytes(of pid: Int32) -> Int {
        let fd = open("/proc/\(pid)/status", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return 0 }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kilobytes * 1024
    }
}
