from reinhardt.orm import migrations, models


class Migration(migrations.Migration):
    dependencies = [("migapp", "0001_initial")]

    operations = [
        migrations.AddField("author", "email", models.CharField(max_length=80, default="")),
    ]
