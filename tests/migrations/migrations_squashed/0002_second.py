from reinhardt.orm import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("migapp", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="author",
            name="rating",
            field=models.IntegerField(default=0),
        ),
        migrations.CreateModel(
            name="Book",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=100)),
                (
                    "author",
                    models.ForeignKey(on_delete=models.CASCADE, to="migapp.author"),
                ),
            ],
        ),
    ]
