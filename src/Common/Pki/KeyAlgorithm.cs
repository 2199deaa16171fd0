namespace KubeHa.Common.Pki;

public enum KeyAlgorithm
{
    Rsa2048,
    Rsa4096,
    EcdsaP256,
    EcdsaP384,
}
