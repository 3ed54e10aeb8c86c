using MlNetConv.Training;

namespace MlNetConv.Tests.Training;

public sealed class ConfusionMatrixTests
{
    [Fact]
    public void PixelAccuracyAndMeanIoU_FromArgMaxScores()
    {
        var matrix = new ConfusionMatrix(3);
        // One sample, 3 classes, 5 pixels (scores (1, 3, 5)); predictions 0, 1, 1, 2, 0; labels 0, 1, 2, 2, -1 (ignored).
        float[] scores =
        [
            9, 0, 0, 0, 9,
            0, 9, 9, 0, 0,
            0, 0, 0, 9, 0,
        ];
        matrix.Add(scores, [0, 1, 2, 2, -1], 1);

        Assert.Equal(4, matrix.Total);
        Assert.Equal(3 / 4.0, matrix.PixelAccuracy);
        // IoU: class 0 1/1, class 1 1/2 (one pixel of class 2 predicted 1), class 2 1/2.
        Assert.Equal(1.0, matrix.IoU(0));
        Assert.Equal(0.5, matrix.IoU(1));
        Assert.Equal(0.5, matrix.IoU(2));
        Assert.Equal(2 / 3.0, matrix.MeanIoU, 12);
    }
}
