using MoDE.Route;

namespace MoDE.Tests.Route;

public class TaskMetadataTests
{
    [Fact]
    public void ShipsClipsTemplateSets()
    {
        var imagenet = PromptTemplates.Get(PromptTemplates.ImageNet);
        Assert.Equal(80, imagenet.Count);
        Assert.Equal(80, imagenet.Distinct().Count());
        Assert.All(imagenet, t => Assert.Contains("{}", t));
        Assert.Contains("itap of a {}.", imagenet);
        Assert.Equal(7, PromptTemplates.Get(PromptTemplates.ImageNet7).Count);
        Assert.All(PromptTemplates.Get(PromptTemplates.ImageNet7), t => Assert.Contains(t, imagenet));
        Assert.Equal(["a photo of a {}."], PromptTemplates.Get(PromptTemplates.Photo));
        Assert.Throws<ArgumentException>(() => PromptTemplates.Get("cifar"));
    }

    [Fact]
    public void PromptsFillEveryTemplateWithTheNameAndEachSynonym()
    {
        var prompts = new ClassPrompts(["cat", "dog"], ["a photo of a {}.", "art of the {}."], [["kitten"], []]);
        Assert.Equal(["a photo of a cat.", "art of the cat.", "a photo of a kitten.", "art of the kitten."], prompts.Prompts(0));
        Assert.Equal(["a photo of a dog.", "art of the dog."], prompts.Prompts(1));
        Assert.Throws<ArgumentException>(() => new ClassPrompts(["cat"], ["no placeholder"]));
        Assert.Throws<ArgumentException>(() => new ClassPrompts(["cat", "dog"], ["{}"], [["kitten"]]));
    }
}
