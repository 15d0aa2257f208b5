#!/usr/bin/env bash
# Makes the resize reference images with ImageMagick 6.9 (Debian 12: apt-get install imagemagick),
# an implementation independent of Tenni's. Run from this folder; ../shared must be beside the repo.
#   source-*.png       the photos decoded by ImageMagick (Tenni's resize is fed these exact pixels)
#   *-bicubic-WxH.ppm  -filter Catrom (cubic, a = -0.5, = Pillow BICUBIC) -resize WxH!
#   *-bilinear-WxH.ppm -filter Triangle (= Pillow BILINEAR) -resize WxH!
# ImageMagick, like Pillow, widens the filter by the scale factor when shrinking. The resized images
# are written as 16-bit binary PPMs: ImageMagick's own 8-bit output truncates (10.5 becomes 10), which would
# bias the reference by half a level; 16 bits keep its result exact to 1/257 of a level.
set -euo pipefail
data=../../../../../shared/data/PetImages-mini
convert=/usr/bin/convert
for item in cat-4210:Cat/4210.jpg dog-4006:Dog/4006.jpg cat-4362-small:Cat/4362.jpg; do
  name=${item%%:*}; file=${item#*:}
  "$convert" "$data/$file" -strip PNG24:"source-$name.png"
  for size in 224x224 256x200; do
    "$convert" "source-$name.png" -filter Catrom -resize "$size!" -depth 16 -strip PPM:"$name-bicubic-$size.ppm"
    "$convert" "source-$name.png" -filter Triangle -resize "$size!" -depth 16 -strip PPM:"$name-bilinear-$size.ppm"
  done
done
