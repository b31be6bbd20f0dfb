import Glibc

/// The text of an `errno` value, for error messages (`strerror_r`: other threads may be
/// formatting errors at the same time).
func systemErrorText(_ number: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard strerror_r(number, &buffer, buffer.count) == 0 else { return "errno \(number)" }
    let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    return "\(text) (errno \(number))"
}
