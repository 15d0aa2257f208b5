#!/usr/bin/env bash
# Decoding references made with ImageMagick 6.9 (Debian 12: apt-get install imagemagick), independent of
# SkiaSharp: the CMYK JPEG of PetImages-mini (Adobe's inverted CMYK, a classic source of negative-looking
# images) and the grayscale one, converted to sRGB PNG. Run from this folder; ../shared beside the repo.
set -euo pipefail
data=../../../../../shared/data/PetImages-mini
/usr/bin/convert "$data/Dog/10401.jpg" -colorspace sRGB -strip PNG24:cmyk-dog-10401.png
/usr/bin/convert "$data/Cat/10404.jpg" -colorspace sRGB -type TrueColor -strip PNG24:gray-cat-10404.png
# A progressive JPEG (PetImages-mini has none) and ImageMagick's decoding of it.
/usr/bin/convert "$data/Cat/4210.jpg" -interlace JPEG -quality 90 -strip progressive-cat-4210.jpg
/usr/bin/convert progressive-cat-4210.jpg -strip PNG24:progressive-cat-4210.png
