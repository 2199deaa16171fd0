namespace KubeHa.Coordinator.Pki;

public sealed class PkiException(string message) : Exception(message);
