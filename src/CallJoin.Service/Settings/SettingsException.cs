namespace CallJoin.Service.Settings;

/// <summary>The configuration is invalid: the message lists every problem, one per line, naming the key.</summary>
public sealed class SettingsException(string message) : Exception(message);
