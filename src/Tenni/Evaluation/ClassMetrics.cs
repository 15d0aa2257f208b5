namespace Tenni;

/// <summary>One class's precision, recall, F1 and support (photos of the class evaluated).</summary>
public sealed record ClassMetrics(string Name, double Precision, double Recall, double F1, int Support);

/// <summary>One bin of the reliability curve: photos whose top probability fell in [Lower, Upper), their mean confidence and accuracy.</summary>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double Confidence, double Accuracy);

/// <summary>A confident mistake: the photo, its class, what the model said, and the probability it gave that.</summary>
public sealed record TopLoss(string Path, string TrueClass, string PredictedClass, double Probability, double TrueProbability);
