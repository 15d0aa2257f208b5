namespace Tenni.Training;

/// <summary>Whether a gradient recipe stopped while the head was still learning, said in the run's summary (issue 19).</summary>
internal static class HeadConvergence
{
    /// <summary>
    /// "Still falling clearly": validation loss fell in each of the last three epochs and by more than
    /// 2 % over them. Then more epochs (or the L-BFGS head, when only the head trains) would help.
    /// </summary>
    public static void WarnIfStillImproving(IReadOnlyList<IReadOnlyDictionary<string, double>> entries, TextWriter output)
    {
        var losses = entries.Select(e => e.GetValueOrDefault(ObservationKeys.ValidationLoss, double.NaN)).ToList();
        if (losses.Count < 4 || losses.TakeLast(4).Any(double.IsNaN))
        {
            return;
        }

        var last = losses.TakeLast(4).ToArray();
        bool falling = last[1] < last[0] && last[2] < last[1] && last[3] < last[2];
        if (falling && last[3] < 0.98 * last[0])
        {
            output.WriteLine($"note: validation loss was still falling when training stopped ({last[0]:0.####} → {last[3]:0.####} over the last 3 epochs): the head has not converged; more --epochs or a larger --lr would help, or --head-solver lbfgs when only the head trains");
        }
    }
}
